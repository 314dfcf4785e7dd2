import pytest


@pytest.fixture(autouse=True)
def _private_upload_dir(settings, tmp_path):
    """Each test stores its uploads in its own directory (never in the project's var/)."""
    settings.UPLOAD_DIR = tmp_path / "uploads"
