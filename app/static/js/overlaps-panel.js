/* The "possible overlaps" panel of the pledge and work item forms (progressive enhancement).

   Without JavaScript the server shows the same matches on a compare step before saving. With it, this
   script asks /overlaps/check (JSON) as the person types — debounced, the previous question cancelled —
   and lists the initiatives that look like theirs, best first, with the reasons. It builds the list
   with textContent only (no HTML from the server), keeps the "link as related" boxes ticked across
   updates, and tells the server which matches the person saw (``overlaps_seen``: their ids), so the
   server shows no compare step for matches already shown, and does show one for any the panel had not
   shown yet (the form saved before the panel answered). The panel's ``data-state`` says where it is:
   "idle" (nothing asked yet), "waiting" (a change not answered yet), "answered", "failed". All the
   words come from the panel's data-label-* attributes, in the page's language. */
(function () {
  "use strict";

  var panel = document.getElementById("overlaps-panel");
  if (!panel || !window.fetch || !window.FormData) {
    return;
  }
  var form = panel.closest("form");
  var status = document.getElementById("overlaps-status");
  var results = document.getElementById("overlaps-results");
  var notes = document.getElementById("overlaps-notes");
  var seen = document.getElementById("overlaps-seen");
  if (!form || !status || !results) {
    return;
  }
  var labels = panel.dataset;
  var heading = labels.heading || "h3";
  var DELAY = 500;
  var timer = null;
  var inFlight = null;
  var lastSent = null;
  var lastState = "idle";

  function setState(state) {
    panel.dataset.state = state;
    if (state !== "waiting") {
      lastState = state;
    }
  }

  function text(tag, className, content) {
    var el = document.createElement(tag);
    if (className) {
      el.className = className;
    }
    if (content !== undefined && content !== null) {
      el.textContent = content;
    }
    return el;
  }

  function fill(template, n) {
    return String(template || "").replace("{n}", String(n));
  }

  function linkedIds() {
    var ids = {};
    results.querySelectorAll("input[name=link_related]:checked").forEach(function (box) {
      ids[box.value] = true;
    });
    return ids;
  }

  function reasonItem(reason) {
    var li = text("li", "reason-" + reason.kind);
    if (reason.kind === "against" || reason.kind === "caveat") {
      li.appendChild(text("span", "visually-hidden", (reason.kind === "against" ? labels.labelAgainst : labels.labelNote) + " "));
    }
    li.appendChild(document.createTextNode(reason.text));
    return li;
  }

  function matchItem(match, keep) {
    var li = text("li", "overlap-match border rounded p-2 mb-2");
    li.dataset.tier = match.tier;
    var top = text("p", "mb-1 small");
    top.appendChild(text("span", "badge overlap-tier overlap-tier-" + match.tier, match.tier_label));
    top.appendChild(document.createTextNode(" "));
    top.appendChild(text("span", null, match.kind_label));
    li.appendChild(top);

    var title = text(heading, "h6 mb-1");
    var link = text("a", null, match.title);
    link.href = match.url;
    title.appendChild(link);
    li.appendChild(title);

    var org = text("p", "small mb-1");
    if (match.organisation_url) {
      var orgLink = text("a", null, match.organisation);
      orgLink.href = match.organisation_url;
      org.appendChild(orgLink);
    } else {
      org.appendChild(document.createTextNode(match.organisation || ""));
    }
    if (match.same_organisation) {
      org.appendChild(document.createTextNode(" — "));
      org.appendChild(text("strong", null, labels.labelSameOrg));
    }
    li.appendChild(org);

    var reasons = text("ul", "small mb-1 overlap-reasons");
    match.reasons.forEach(function (reason) {
      reasons.appendChild(reasonItem(reason));
    });
    li.appendChild(reasons);

    var actions = text("p", "small mb-0 d-flex flex-wrap gap-3");
    if (!match.same_organisation) {
      var contact = text("a", null, labels.labelContact);
      contact.href = match.contact_url;
      contact.target = "_blank";
      contact.rel = "noopener";
      contact.appendChild(text("span", "visually-hidden", " " + labels.labelNewTab));
      actions.appendChild(contact);
    }
    var wrap = text("span", "form-check");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.className = "form-check-input";
    box.name = "link_related";
    box.value = match.id;
    box.id = "link-" + match.id.replace(":", "-");
    box.checked = Boolean(keep[match.id]);
    var boxLabel = text("label", "form-check-label", labels.labelLink);
    boxLabel.htmlFor = box.id;
    wrap.appendChild(box);
    wrap.appendChild(document.createTextNode(" "));
    wrap.appendChild(boxLabel);
    actions.appendChild(wrap);
    li.appendChild(actions);
    return li;
  }

  function show(data) {
    var keep = linkedIds();
    results.textContent = "";
    if (notes) {
      notes.textContent = "";
      (data.notes || []).forEach(function (note) {
        notes.appendChild(text("li", null, note.text));
      });
    }
    var matches = data.status === "warming" ? [] : data.matches || [];
    if (data.status === "warming") {
      status.textContent = labels.labelWarming;
    } else if (!matches.length) {
      status.textContent = labels.labelNone;
    } else {
      status.textContent = matches.length === 1 ? labels.labelOne : fill(labels.labelMany, matches.length);
      matches.forEach(function (match) {
        results.appendChild(matchItem(match, keep));
      });
    }
    if (seen) {
      seen.value = matches.map(function (match) {
        return match.id;
      }).join(" ");
    }
    // Answered for what is typed now, unless a newer change is still waiting for its question.
    lastState = "answered";
    setState(timer === null ? "answered" : "waiting");
  }

  function payload() {
    var data = new FormData(form);
    data.delete("link_related");
    data.delete("overlaps_seen");
    data.delete("overlaps_compared");
    return data;
  }

  function signature(data) {
    var parts = [];
    data.forEach(function (value, key) {
      if (typeof value === "string") {
        parts.push(key + "=" + value);
      }
    });
    return parts.join("&");
  }

  function ask() {
    timer = null;
    var data = payload();
    var sig = signature(data);
    if (sig === lastSent) {
      if (!inFlight) {
        setState(lastState); // nothing changed since the last question: its answer stands
      }
      return;
    }
    lastSent = sig;
    if (inFlight) {
      inFlight.abort();
    }
    var controller = new AbortController();
    inFlight = controller;
    setState("waiting");
    status.textContent = labels.labelChecking;
    fetch(panel.dataset.endpoint, {
      method: "POST", body: data, credentials: "same-origin", signal: controller.signal,
      headers: {"Accept": "application/json", "X-Requested-With": "fetch"}
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    }).then(function (answer) {
      if (inFlight === controller) {
        inFlight = null;
        show(answer);
      }
    }).catch(function (error) {
      if (error && error.name === "AbortError") {
        return;
      }
      if (inFlight === controller) {
        inFlight = null;
        lastSent = null;
        status.textContent = labels.labelError;
        setState("failed");
      }
    });
  }

  function later(event) {
    if (event && event.target && panel.contains(event.target)) {
      return; // ticking "link as related" is not a change to the draft
    }
    window.clearTimeout(timer);
    setState("waiting");
    timer = window.setTimeout(ask, DELAY);
  }

  panel.querySelectorAll(".overlaps-nojs").forEach(function (el) {
    el.remove();
  });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  setState("idle");
  var title = form.querySelector("[name=title]");
  if (title && title.value.trim()) {
    ask();
  }
}());
