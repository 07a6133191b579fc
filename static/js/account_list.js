// The account list's bulk selection: "select all on this page", then optionally "all matching accounts".
(function () {
  function bulkScope(scope) {
    var input = document.getElementById("bulk-scope");
    var notice = document.getElementById("bulk-all");
    if (input) input.value = scope;
    if (!notice) return;
    notice.querySelectorAll("[data-bulk-when]").forEach(function (part) { part.hidden = part.dataset.bulkWhen !== scope; });
  }
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-select-all]");
    var notice = document.getElementById("bulk-all");
    if (box) {
      document.querySelectorAll("input." + box.dataset.selectAll).forEach(function (item) { item.checked = box.checked; });
      if (notice) notice.hidden = !box.checked;
      bulkScope("page");
    } else if (event.target.matches("input.bulk-id") && !event.target.checked) {
      // Unticking one account leaves "all on the page" (and "all matching") behind.
      document.querySelectorAll("[data-select-all]").forEach(function (all) { all.checked = false; });
      if (notice) notice.hidden = true;
      bulkScope("page");
    }
  });
  document.addEventListener("click", function (event) {
    var choice = event.target.closest("[data-bulk-scope]");
    if (!choice) return;
    bulkScope(choice.dataset.bulkScope);
    if (choice.dataset.bulkScope === "page") {
      document.querySelectorAll("input.bulk-id, [data-select-all]").forEach(function (item) { item.checked = false; });
      document.getElementById("bulk-all").hidden = true;
    }
  });
})();
