// Wide code blocks, outputs and tables scroll sideways, and a keyboard user
// can only scroll a region that can take focus (WCAG 2.1.1; axe's
// scrollable-region-focusable).  Give each such region a tab stop while it
// overflows: on load, when the window is resized and when a dropdown opens.
(() => {
  const regions = "pre, .table-wrapper, .math-wrapper";
  const update = () => {
    for (const region of document.querySelectorAll(regions)) {
      if (region.scrollWidth > region.clientWidth) {
        region.setAttribute("tabindex", "0");
      } else if (region.getAttribute("tabindex") === "0") {
        region.removeAttribute("tabindex");
      }
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("resize", update);
  document.addEventListener("toggle", update, true);
})();
