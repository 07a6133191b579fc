// Plotly charts: every element with a data-chart attribute (a figure as JSON, see templates/components/chart.html)
// is drawn when the page loads and whenever htmx brings new content in; a chart htmx removes is purged first, so
// nothing of it (title, legend, resize listener) stays behind.
(function () {
  var CONFIG = { displayModeBar: false, responsive: true };

  function draw(root) {
    if (!window.Plotly || !root || !root.querySelectorAll) return;
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-chart]"));
    if (root.matches && root.matches("[data-chart]")) found.push(root);
    found.forEach(function (element) {
      if (element.dataset.chartDrawn) return;
      var figure;
      try {
        figure = JSON.parse(element.dataset.chart);
      } catch (error) {
        return;
      }
      element.dataset.chartDrawn = "true";
      window.Plotly.newPlot(element, figure.data || [], figure.layout || {}, Object.assign({}, CONFIG, figure.config));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document.body); });
  document.addEventListener("htmx:load", function (event) { draw(event.detail.elt); });
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var element = event.detail.elt;
    if (window.Plotly && element && element.dataset && element.dataset.chartDrawn) window.Plotly.purge(element);
  });
})();
