/* Pickers: a box that narrows a long list as one types (progressive enhancement).
 *
 * Without JavaScript the lists still work: a multiple choice is a scrolling box of checkboxes, a single
 * choice a <select> grouped by region. With it, a search box above each list hides what does not match
 * (accents and case ignored; an option's data-search words count too, so "Geneva" finds Europe/Zurich)
 * and says how many are shown; the chosen checkboxes are listed under the box.
 * The page gives the words in its language: data-filter-label, data-count ("{shown} of {total} shown"),
 * data-selected-label.
 */
(function () {
  "use strict";

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function matches(words, query) {
    return query.split(/\s+/).every(function (part) { return words.indexOf(part) !== -1; });
  }

  var counter = 0;

  function searchBox(host, before) {
    counter += 1;
    var id = "picker-filter-" + counter;
    var label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = id;
    label.textContent = host.dataset.filterLabel || "Filter";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "form-control form-control-sm mb-1 picker-filter";
    input.placeholder = host.dataset.filterLabel || "";
    input.autocomplete = "off";
    var status = document.createElement("div");
    status.className = "form-text picker-count";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    before.parentNode.insertBefore(label, before);
    before.parentNode.insertBefore(input, before);
    return { input: input, status: status };
  }

  function countText(host, shown, total) {
    return (host.dataset.count || "{shown} / {total}").replace("{shown}", shown).replace("{total}", total);
  }

  function enhanceCheckboxes(fieldset) {
    var box = fieldset.querySelector(".picker-options");
    if (!box) { return; }
    var items = Array.prototype.slice.call(box.querySelectorAll(".form-check"));
    var words = items.map(function (item) {
      var input = item.querySelector("input");
      return fold(item.textContent + " " + (input.dataset.search || "") + " " + input.value);
    });
    var parts = searchBox(fieldset, box);
    box.parentNode.insertBefore(parts.status, box.nextSibling);
    var chosen = document.createElement("p");
    chosen.className = "small mb-1 picker-chosen";
    parts.status.parentNode.insertBefore(chosen, parts.status.nextSibling);

    function showChosen() {
      var names = items.filter(function (item) { return item.querySelector("input").checked; })
        .map(function (item) { return item.querySelector("label").textContent.trim(); });
      chosen.textContent = names.length ? (fieldset.dataset.selectedLabel || "") + " " + names.join(", ") : "";
    }

    function filter() {
      var query = fold(parts.input.value.trim());
      var shown = 0;
      items.forEach(function (item, index) {
        var visible = !query || matches(words[index], query);
        item.hidden = !visible;
        if (visible) { shown += 1; }
      });
      parts.status.textContent = query ? countText(fieldset, shown, items.length) : "";
    }

    parts.input.addEventListener("input", filter);
    // Enter in the box must not submit the form: it picks the only match, if there is one.
    parts.input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      var visible = items.filter(function (item) { return !item.hidden; });
      if (visible.length === 1) {
        var input = visible[0].querySelector("input");
        input.checked = !input.checked;
        showChosen();
      }
    });
    box.addEventListener("change", showChosen);
    showChosen();
  }

  function enhanceSelect(select) {
    var options = Array.prototype.slice.call(select.options);
    var words = options.map(function (option) {
      return fold(option.textContent + " " + (option.dataset.search || "") + " " + option.value);
    });
    var parts = searchBox(select, select);
    select.parentNode.insertBefore(parts.status, select.nextSibling);

    function filter() {
      var query = fold(parts.input.value.trim());
      var shown = 0;
      var first = null;
      options.forEach(function (option, index) {
        var visible = !query || matches(words[index], query);
        option.hidden = !visible;
        if (visible) {
          shown += 1;
          if (first === null && option.value) { first = option; }
        }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (option) { return !option.hidden; });
      });
      // The choice follows the search when what was chosen no longer matches ("Geneva" chooses Zurich).
      var current = select.options[select.selectedIndex];
      if (first !== null && (!current || current.hidden)) {
        first.selected = true;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      var chosen = select.options[select.selectedIndex];
      parts.status.textContent = query ? countText(select, shown, options.length) +
        (chosen ? " — " + chosen.textContent : "") : "";
    }

    parts.input.addEventListener("input", filter);
    parts.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-picker="checkboxes"]'), enhanceCheckboxes);
    Array.prototype.forEach.call(document.querySelectorAll('select[data-picker="select"]'), enhanceSelect);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
