// kojo: small progressive enhancements. No inline script anywhere (CSP script-src 'self').
(function () {
  "use strict";
  // Focused elements stay clear of the assessment page's sticky bar (WCAG 2.4.11): scrolling
  // keeps the bar's height free at the top.
  var sticky = document.querySelector(".sticky");
  if (sticky && window.ResizeObserver) {
    new ResizeObserver(function () {
      document.documentElement.style.scrollPaddingTop = sticky.offsetHeight + 8 + "px";
    }).observe(sticky);
  }
  // Language switch returns to the current page.
  document.querySelectorAll("input.js-next").forEach(function (i) {
    i.value = location.pathname + location.search;
  });
  function statusOf(form) {
    return form.querySelector(".save-status");
  }
  function markDirty(form) {
    var s = statusOf(form);
    if (s && s.dataset.state !== "dirty") {
      s.dataset.state = "dirty";
      s.textContent = document.documentElement.lang === "en" ? "Not saved" : "未保存";
    }
  }
  // An item shows only its current mark's fields. When the mark changes, the fields of the
  // new mark come from the page's <template id="tpl-MARK"> (or, when the user goes back to a
  // mark, the fields as they were left).
  function swapFields(form, mark) {
    var slot = form.querySelector(".fields-slot");
    if (!slot) return;
    var kept = form.kojoKept || (form.kojoKept = {});
    var cur = slot.firstElementChild;
    if (cur) {
      kept[form.dataset.mark] = cur;
      slot.removeChild(cur);
    }
    var next = kept[mark];
    var tpl = document.getElementById("tpl-" + mark);
    if (!next && tpl) {
      var box = document.createElement("div");
      box.innerHTML = tpl.innerHTML.replace(/__n__/g, form.dataset.item);
      next = box.firstElementChild;
    }
    if (next) slot.appendChild(next);
  }
  // A compact row's 「詳細」 opens the item in full in place (without script: the full view).
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("form.item.compact a.more");
    if (!a || !window.htmx) return;
    e.preventDefault();
    var form = a.closest("form.item");
    htmx.ajax("GET", form.getAttribute("action"), { target: "#wrap-" + form.dataset.item, swap: "outerHTML" });
  });
  // Marks that need no further input are saved as soon as they are chosen.
  var instant = { implemented: true, not_considered: true };
  document.addEventListener("change", function (e) {
    var t = e.target;
    var form = t.closest && t.closest("form.item");
    if (!form) return;
    markDirty(form);
    if (t.name === "mark" && form.classList.contains("compact") && !instant[t.value] && window.htmx) {
      // A compact row opens in full with the chosen mark, to fill in that mark's fields.
      var n = form.dataset.item;
      htmx.ajax("GET", form.getAttribute("action") + "?mark=" + encodeURIComponent(t.value), {
        target: "#wrap-" + n,
        swap: "outerHTML"
      }).then(function () {
        var full = document.getElementById("item-" + n);
        var first = full && full.querySelector(".fields-slot textarea, .fields-slot input:not([type=checkbox])");
        if (first) first.focus();
      });
      return;
    }
    if (t.name === "mark") {
      swapFields(form, t.value);
      form.dataset.mark = t.value;
    }
    if (t.name === "mark" && instant[t.value]) {
      var alt = form.querySelector("input[name=alternative_flag]");
      if (!(t.value === "implemented" && alt && alt.checked)) {
        if (window.htmx) { htmx.trigger(form, "submit"); } else { form.requestSubmit(); }
      }
    }
    if (t.name === "mark") {
      var first = form.querySelector(".f-" + t.value + " textarea, .f-" + t.value + " input:not([type=checkbox])");
      if (first && !instant[t.value]) first.focus();
    }
  });
  document.addEventListener("input", function (e) {
    var form = e.target.closest && e.target.closest("form.item");
    if (form) markDirty(form);
  });
  document.addEventListener("htmx:sendError", function (e) {
    var form = e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("form.item");
    var s = form && statusOf(form);
    if (s) {
      s.dataset.state = "error";
      s.textContent = document.documentElement.lang === "en" ? "Not saved (no connection)" : "未保存（接続できません）";
    }
  });
  document.addEventListener("htmx:responseError", function (e) {
    var form = e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("form.item");
    var s = form && statusOf(form);
    if (s) {
      s.dataset.state = "error";
      s.textContent = (document.documentElement.lang === "en" ? "Not saved: " : "未保存: ") + e.detail.xhr.status;
    }
  });
  // 前年度から作成: the proposed period follows the chosen source (its period + 1).
  var carryFrom = document.getElementById("carry-from");
  var carryPeriod = document.getElementById("carry-period");
  if (carryFrom && carryPeriod) {
    carryFrom.addEventListener("change", function () {
      var opt = carryFrom.options[carryFrom.selectedIndex];
      if (opt && opt.dataset.next) carryPeriod.value = opt.dataset.next;
    });
  }
  // Warn before leaving with unsaved changes.
  window.addEventListener("beforeunload", function (e) {
    if (document.querySelector('.save-status[data-state="dirty"]')) {
      e.preventDefault();
      e.returnValue = "";
    }
  });
})();
