/* The dashboard's charts (Apache ECharts, vendored). The page holds its figures in a
   json_script block (id "dashboard-data", built by jingzhun/dashboards/figures.py
   Dashboard.charts) and marks a box per chart with data-dashboard="<name>". Every bar opens
   the list of the households behind it (the figure's url). No inline script: the
   Content-Security-Policy forbids it. */
(function () {
  "use strict";
  var base = { animation: false, grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true } };

  function linked(chart, urls) {
    chart.on("click", function (event) {
      var url = urls[event.dataIndex];
      if (url) { window.location.href = url; }
    });
  }

  function bars(items) {
    return Object.assign({}, base, {
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: items.map(function (i) { return i.name; }), inverse: true },
      series: [{ type: "bar", data: items.map(function (i) { return i.value; }), barMaxWidth: 24, cursor: "pointer" }]
    });
  }

  var charts = {
    categories: function (data) {
      return { option: bars(data.categories), urls: data.categories.map(function (i) { return i.url; }) };
    },
    risks: function (data) {
      return { option: bars(data.risks), urls: data.risks.map(function (i) { return i.url; }) };
    },
    incomes: function (data) {
      var d = data.incomes;
      return {
        urls: d.urls,
        option: Object.assign({}, base, {
          tooltip: { trigger: "axis" },
          legend: { top: 0 },
          xAxis: { type: "category", data: d.years },
          yAxis: [{ type: "value", name: "元" }, { type: "value", name: "户", minInterval: 1 }],
          series: [
            { name: d.labels.below, type: "bar", yAxisIndex: 1, data: d.below, barMaxWidth: 28, cursor: "pointer" },
            { name: d.labels.average, type: "line", data: d.average },
            { name: d.labels.line, type: "line", step: "middle", data: d.line, lineStyle: { type: "dashed" } },
            { name: d.labels.threshold, type: "line", step: "middle", data: d.threshold, lineStyle: { type: "dotted" } }
          ]
        })
      };
    },
    children: function (data) {
      var d = data.children;
      return {
        urls: d.urls,
        option: Object.assign({}, base, {
          tooltip: { trigger: "axis" },
          legend: { top: 0 },
          xAxis: { type: "category", data: d.names, axisLabel: { interval: 0, rotate: d.names.length > 6 ? 40 : 0 } },
          yAxis: { type: "value", minInterval: 1 },
          series: [
            { name: d.labels.at_risk, type: "bar", data: d.at_risk, barMaxWidth: 28, cursor: "pointer" },
            { name: d.labels.new, type: "bar", data: d.new, barMaxWidth: 28, cursor: "pointer" }
          ]
        })
      };
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-dashboard]").forEach(function (box) {
      var make = charts[box.getAttribute("data-dashboard")];
      if (!make) { return; }
      var made = make(data);
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption(made.option);
      linked(chart, made.urls);
      window.addEventListener("resize", function () { chart.resize(); });
      box.setAttribute("data-drawn", "1");
    });
  });
})();
