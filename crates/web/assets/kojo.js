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
  // Marks that need no further input are saved as soon as they are chosen.
  var instant = { implemented: true, not_considered: true };
  document.addEventListener("change", function (e) {
    var t = e.target;
    var form = t.closest && t.closest("form.item");
    if (!form) return;
    markDirty(form);
    if (t.name === "mark" && instant[t.value]) {
      var alt = form.querySelector("input[name=alternative_flag]");
      if (!(t.value === "implemented" && alt && alt.checked)) {
        if (window.htmx) { htmx.trigger(form, "submit"); } else { form.requestSubmit(); }
      }
    }
    if (t.name === "mark") {
      form.dataset.mark = t.value;
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
