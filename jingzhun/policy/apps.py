from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "jingzhun.policy"
    verbose_name = "政策参数与判定"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from jingzhun.core import jobs
        from jingzhun.policy import parameters

        request_started.connect(parameters.begin_request, dispatch_uid="parameters_begin")
        request_finished.connect(parameters.end_request, dispatch_uid="parameters_end")
        from jingzhun.policy.models import EvaluationJob, WhatIfRun
        from jingzhun.policy.runs import fail_interrupted_evaluations, fail_interrupted_whatifs

        jobs.register(
            jobs.JobKind(WhatIfRun, (WhatIfRun.Status.RUNNING,), fail_interrupted_whatifs)
        )
        jobs.register(
            jobs.JobKind(
                EvaluationJob, (EvaluationJob.Status.RUNNING,), fail_interrupted_evaluations
            )
        )
