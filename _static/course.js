// The L2 Loss: accessible names the theme leaves out or gets wrong (found by axe-core; tests/site).
// Jupyter Book adds every .js file in _static/ to every page.
(function () {
  "use strict";

  function visibleTitle(button) {
    // The theme switch shows one of three icons (an SVG with a <title>: Light, Dark, System Settings).
    const icon = [...button.querySelectorAll("svg, i")].find((el) => el.getClientRects().length > 0);
    const title = icon && (icon.querySelector("title") || icon.getAttribute("title"));
    return title ? (title.textContent || title).trim() : "";
  }

  function fixNames() {
    // Search buttons read "Search Ctrl+K" but were named "Search": let the visible text name them
    // (WCAG 2.5.3 Label in Name).
    document.querySelectorAll("button.search-button-field[aria-label]").forEach((button) => {
      button.removeAttribute("aria-label");
    });
    // The colour-mode switch is named "Color mode" but shows the icon of the current mode.
    document.querySelectorAll("button.theme-switch-button").forEach((button) => {
      const mode = visibleTitle(button);
      button.setAttribute("aria-label", mode ? `Color mode: ${mode}` : "Color mode");
    });
    // The sidebar's expand arrow of a chapter with sections has no name at all (WCAG 4.1.2).
    document.querySelectorAll(".bd-sidenav details > summary").forEach((summary) => {
      if (summary.textContent.trim() || summary.hasAttribute("aria-label")) return;
      const link = summary.parentElement.parentElement.querySelector(":scope > a");
      const chapter = link ? link.textContent.trim() : "this chapter";
      summary.setAttribute("aria-label", `Sections of ${chapter}`);
    });
  }

  function start() {
    fixNames();
    // Icons are swapped in by Font Awesome after load and the mode changes on click: name them again then.
    new MutationObserver(fixNames).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-mode", "data-theme"],
    });
    document.querySelectorAll("button.theme-switch-button").forEach((button) => {
      new MutationObserver(() => {
        const wanted = `Color mode: ${visibleTitle(button)}`;
        if (button.getAttribute("aria-label") !== wanted) fixNames();
      }).observe(button, { childList: true, subtree: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
