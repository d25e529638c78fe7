/* The API documentation page: Swagger UI (vendored) reading /api/v1/openapi.json. A file, not an inline
   script, so that the site's Content-Security-Policy (script-src 'self') holds on this page too. */
(function () {
  "use strict";

  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle === "undefined") {
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    domNode: node,
    deepLinking: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
}());
