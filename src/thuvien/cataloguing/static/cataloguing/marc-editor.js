// Add and remove rows of the MARC editor; the form works without it, too.
(function () {
  var body = document.getElementById("marc-rows");
  body.addEventListener("click", function (event) {
    if (event.target.classList.contains("remove-row")) event.target.closest("tr").remove();
  });
  document.getElementById("add-row").addEventListener("click", function () {
    var row = body.querySelector("tr").cloneNode(true);
    row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    body.appendChild(row);
    row.querySelector("input").focus();
  });
})();
