// Post the next part of a spreadsheet import at once; without JS the button does it.
(function () {
  var form = document.getElementById("continue");
  if (form) form.requestSubmit(form.querySelector("button"));
})();
