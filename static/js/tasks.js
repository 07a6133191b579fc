// Task pages: a header tick box selects every row of its table.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("input[data-select-all]")) return;
  var table = box.closest("table");
  if (!table) return;
  table.querySelectorAll('input[type="checkbox"][name="' + box.dataset.selectAll + '"]').forEach(function (row) {
    row.checked = box.checked;
  });
});
