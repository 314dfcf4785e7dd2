/* Area maps drawn with Apache ECharts (vendored). A page marks a box with
   data-area-map="<id of a json_script block>"; the block holds the spec of
   jingzhun/areas/maps.py area_map(): {mode: "geo"|"tiles", items: [{code, name, value, url,
   size}], unit, low, high, geojson}. "geo": a choropleth of the GeoJSON (registered under the
   box's id); "tiles": a treemap of the same areas sized by `size`. Both coloured by `value`
   (null: grey, "no figure"); clicking an area with a url opens it. No inline script (CSP). */
(function () {
  "use strict";
  var LOW = [215, 48, 39], MID = [254, 224, 139], HIGH = [26, 152, 80], NONE = "#d9d9d9";

  function mix(a, b, t) {
    return "rgb(" + [0, 1, 2].map(function (i) { return Math.round(a[i] + (b[i] - a[i]) * t); }).join(",") + ")";
  }
  function colour(value, low, high) {
    if (value === null || value === undefined) { return NONE; }
    // low > high reverses the scale: a figure where more is worse (a share at risk) is red at high.
    var t = high !== low ? Math.max(0, Math.min(1, (value - low) / (high - low))) : 1;
    return t < 0.5 ? mix(LOW, MID, t * 2) : mix(MID, HIGH, (t - 0.5) * 2);
  }
  function shown(item, unit) {
    return item.name + "：" + (item.value === null ? "—" : item.value + unit);
  }

  function draw(box) {
    var source = document.getElementById(box.getAttribute("data-area-map"));
    if (!source || !window.echarts) { return; }
    var spec = JSON.parse(source.textContent);
    var byCode = {};
    spec.items.forEach(function (item) { byCode[item.code] = item; });
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    var tooltip = {
      formatter: function (p) {
        var item = byCode[p.data && p.data.code];
        return item ? shown(item, spec.unit) : p.name;
      }
    };
    var data = spec.items.map(function (item) {
      return {
        name: spec.mode === "geo" ? item.code : item.name,
        code: item.code,
        value: spec.mode === "geo" ? item.value : item.size,
        itemStyle: { color: colour(item.value, spec.low, spec.high), borderColor: "#fff" }
      };
    });
    if (spec.mode === "geo") {
      var key = "jingzhun-" + (box.id || "map");
      window.echarts.registerMap(key, spec.geojson);
      chart.setOption({
        animation: false,
        tooltip: tooltip,
        series: [{
          type: "map", map: key, nameProperty: "code", roam: false,
          label: {
            show: true, fontSize: 11,
            formatter: function (p) { var item = byCode[p.name]; return item ? item.name : ""; }
          },
          emphasis: { label: { show: true } },
          data: data
        }]
      });
    } else {
      chart.setOption({
        animation: false,
        tooltip: tooltip,
        series: [{
          type: "treemap", roam: false, nodeClick: false, breadcrumb: { show: false },
          width: "100%", height: "100%",
          label: {
            show: true, fontSize: 12, color: "#222",
            formatter: function (p) {
              var item = byCode[p.data.code];
              return item.name + (item.value === null ? "" : "\n" + item.value + spec.unit);
            }
          },
          upperLabel: { show: false },
          itemStyle: { gapWidth: 2 },
          data: data
        }]
      });
    }
    chart.on("click", function (p) {
      var item = byCode[p.data && p.data.code];
      if (item && item.url) { window.location.href = item.url; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
    box.setAttribute("data-drawn", spec.mode);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-area-map]").forEach(draw);
  });
})();
