// /docs: swagger-ui (served by imgmod itself from the flask-swagger-ui package) on /openapi.json.
// A file of its own, not an inline script, so that the page runs under the same strict policy as the others.
"use strict";
(function () {
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.getAttribute("data-spec"),
    dom_id: "#swagger-ui",
    validatorUrl: null, // never ask a third party to validate the document
    deepLinking: false,
  });
})();
