// Small behaviours shared by every page. htmx sends the CSRF token from the body's hx-headers.
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("messages");
  if (!box) return;
  var alert = document.createElement("div");
  alert.className = "alert alert-danger";
  alert.setAttribute("role", "alert");
  alert.textContent = "Something went wrong (" + event.detail.xhr.status + "). Please try again.";
  box.appendChild(alert);
});
// Confirm destructive buttons that carry data-confirm.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var text = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (text && !window.confirm(text)) event.preventDefault();
});
