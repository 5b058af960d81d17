// The usage page's one script: draws the daily spend per feature from the page's own data
// (#usage-data) with uPlot. Without it the table below the chart has the same figures.
(function () {
  "use strict";
  var holder = document.getElementById("usage-chart");
  var source = document.getElementById("usage-data");
  if (!holder || !source || typeof uPlot === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colors = ["#0b57d0", "#b3261e", "#136c2e", "#7d5260", "#8a4b00", "#4a5360"];
  // Units are exact integers in strings; the chart only draws them, so a float is fine here.
  var columns = [data.days];
  var series = [{}];
  data.series.forEach(function (s, i) {
    var divisor = Math.pow(10, s.scale);
    columns.push(s.units.map(function (u) { return Number(u) / divisor; }));
    series.push({ label: s.label, stroke: colors[i % colors.length], width: 2,
                  fill: colors[i % colors.length] + "22" });
  });
  function width() { return Math.max(280, holder.clientWidth); }
  var chart = new uPlot({ width: width(), height: 288, series: series,
                          axes: [{}, { size: 60 }], scales: { x: { time: true } } },
                        columns, holder);
  holder.setAttribute("data-drawn", "true");
  window.addEventListener("resize", function () {
    chart.setSize({ width: width(), height: 288 });
  });
})();
