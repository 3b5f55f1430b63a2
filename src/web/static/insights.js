/* global window, document */
/* The insights page's charts (README "Insights"): the specs the server wrote into #insights-charts
   (the weekly card's, src/render/insights.ts), drawn by VChart from /h5/static/vchart.js. */
(function () {
  'use strict';
  var data = document.getElementById('insights-charts');
  if (!data || !window.VChart) return;
  var specs = JSON.parse(data.textContent || '{}');
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var spec = specs[el.getAttribute('data-chart')];
    if (!spec) return;
    var chart = new window.VChart.VChart(Object.assign({ animation: false }, spec), { dom: el, mode: 'mobile-browser' });
    chart.renderSync();
    el.setAttribute('data-drawn', '1');
  });
  // A filter applies as soon as it changes (the button stays for browsers without scripts).
  var form = document.getElementById('insights-filters');
  if (form) form.addEventListener('change', function () { form.submit(); });
})();
