// The browser's own validation messages ("Please fill out this field.") speak the
// browser's language, not the user's: these come from the page, in its language (the
// data-msg-* attributes of <body>, translated on the server).
(function () {
  "use strict";
  var texts = document.body.dataset;

  function message(field) {
    var v = field.validity;
    if (v.valueMissing) return texts.msgRequired;
    if (v.rangeOverflow) return texts.msgMax.replace("{limit}", field.max);
    if (v.rangeUnderflow) return texts.msgMin.replace("{limit}", field.min);
    if (v.stepMismatch) return texts.msgStep;
    if (v.typeMismatch || v.badInput || v.patternMismatch) return texts.msgFormat;
    return "";
  }

  document.addEventListener("invalid", function (event) {
    var field = event.target;
    field.setCustomValidity("");
    if (!field.validity.valid) field.setCustomValidity(message(field) || "");
  }, true);

  function reset(event) {
    if (event.target.setCustomValidity) event.target.setCustomValidity("");
  }
  document.addEventListener("input", reset, true);
  document.addEventListener("change", reset, true);
})();
