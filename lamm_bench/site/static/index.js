// index.html: sort a table by a column (click or Enter on its header). The first click puts the best first (the
// column's direction), the next reverses; cells without a number always go last. Reference rows sort with the rest.
(function () {
  "use strict";
  function key(cell, type) {
    var raw = cell ? cell.getAttribute("data-value") : "";
    if (type === "text") return raw.toLowerCase();
    return raw === "" || raw === null ? null : parseFloat(raw);
  }
  function sortBy(table, th) {
    var col = +th.getAttribute("data-col"), type = th.getAttribute("data-type");
    var higher = th.getAttribute("data-higher") !== "0";
    var was = th.getAttribute("aria-sort");
    var firstDesc = type === "text" ? false : higher;
    var desc = was === "none" ? firstDesc : was === "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", desc ? "descending" : "ascending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
      return { row: row, key: key(row.cells[col], type), i: i };
    });
    rows.sort(function (a, b) {
      if (a.key === null || b.key === null) return (a.key === null) - (b.key === null) || a.i - b.i;
      var d = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      return (desc ? -d : d) || a.i - b.i;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.addEventListener("click", function () { sortBy(table, th); });
      th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") sortBy(table, th); });
    });
  });
})();
