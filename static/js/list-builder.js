// The list builder: "Remove" takes its condition or group out of the tree and recounts the matches.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-remove-condition]");
  if (!button) return;
  var node = button.closest(".cond-node");
  if (node) node.remove();
  var form = document.getElementById("list-form");
  if (form && window.htmx) window.htmx.trigger(form, "change");
});
