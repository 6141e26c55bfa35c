// Injected into a report page by the browser test: measures every text of every chart as
// the browser laid it out and counts pairs in one chart whose boxes overlap by more than a
// pixel each way; the verdict goes into the page title ("labels:N overlaps:K [first pair]").
(function () {
  var labels = 0, overlaps = 0, first = "";
  document.querySelectorAll("svg").forEach(function (svg) {
    var boxes = [];
    svg.querySelectorAll("text").forEach(function (t) {
      if (!t.textContent.trim()) return;
      var r = t.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) boxes.push([r, t.textContent]);
    });
    labels += boxes.length;
    for (var i = 0; i < boxes.length; i++) {
      for (var j = i + 1; j < boxes.length; j++) {
        var a = boxes[i][0], b = boxes[j][0];
        var w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        var h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) {
          overlaps++;
          if (!first) first = " [" + boxes[i][1] + " / " + boxes[j][1] + "]";
        }
      }
    }
  });
  document.title = "labels:" + labels + first + " overlaps:" + overlaps;
})();
