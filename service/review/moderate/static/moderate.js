/* Keyboard shortcuts of the moderators' page (written for this project; no library).
   j/k move between the queue's items (on an item's page: to the next or previous one), a approves, r rejects (focuses the reason), e
   escalates, u undoes. Every action is a plain form post, so the page works without
   JavaScript too; this file only finds the form and sends it. Keys typed into a field are
   left alone. */
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("#items .item"));
  var current = -1;

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(el.tagName) &&
      el.type !== "submit" && el.type !== "checkbox");
  }

  function select(i) {
    if (!items.length) { return; }
    i = Math.max(0, Math.min(items.length - 1, i));
    if (current >= 0) {
      items[current].classList.remove("current");
      items[current].removeAttribute("aria-current");
    }
    current = i;
    items[i].classList.add("current");
    items[i].setAttribute("aria-current", "true");
    var link = items[i].querySelector("a.open");
    if (link) { link.focus(); }
  }

  function send(target) {
    if (target.tagName === "FORM") {
      if (target.requestSubmit) { target.requestSubmit(); } else { target.submit(); }
    } else {
      target.click();
    }
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || typing(ev.target)) { return; }
    var key = ev.key;
    var scope = current >= 0 ? items[current] : document;
    if ((key === "j" || key === "k") && !items.length) {
      var step = document.querySelector('a[data-shortcut="' + key + '"]');  /* one item */
      if (step) { ev.preventDefault(); send(step); }
    } else if (key === "j" || key === "k") {
      select(current + (key === "j" ? 1 : -1));
      ev.preventDefault();
    } else if (key === "a" || key === "e") {
      var form = scope.querySelector('[data-shortcut="' + key + '"]');
      if (form) { ev.preventDefault(); send(form); }
    } else if (key === "u") {
      var undo = document.querySelector('[data-shortcut="u"]');
      if (undo) { ev.preventDefault(); send(undo); }
    } else if (key === "r") {
      var field = document.querySelector('[data-focus="r"] input[name="reason"]');
      if (field) { ev.preventDefault(); field.focus(); return; }
      var open = scope.querySelector('[data-shortcut="r"]');
      if (open) { ev.preventDefault(); send(open); }
    }
  });

  if (items.length) { select(0); }
  if (window.location.hash === "#reject") {
    var reason = document.getElementById("reject-reason");
    if (reason) { reason.focus(); }
  }
}());
