/* Charts drawn with Apache ECharts (vendored, static/vendor/echarts-*.min.js). A page marks a
   box with data-chart="<id of a json_script block>"; the block holds
   {years: [...], series: [{name, data, kind: "bar"|"line"}], unit}. No inline script: the
   data is JSON, which the Content-Security-Policy allows. */
(function () {
  "use strict";
  function draw(box) {
    var source = document.getElementById(box.getAttribute("data-chart"));
    if (!source || !window.echarts) { return; }
    var spec = JSON.parse(source.textContent);
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "category", data: spec.years },
      yAxis: { type: "value", name: spec.unit },
      series: spec.series.map(function (s) {
        return s.kind === "line"
          ? { name: s.name, type: "line", step: "middle", data: s.data, connectNulls: false, symbolSize: 6 }
          : { name: s.name, type: "bar", data: s.data, barMaxWidth: 36 };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
    box.setAttribute("data-drawn", "1");
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
