/* Starts Swagger UI (/docs) or ReDoc (/redoc) on the service's own spec, from files served by the
   service itself: nothing is fetched from the internet. */
(function () {
  "use strict";
  var spec = document.body.getAttribute("data-spec");
  if (document.getElementById("swagger-ui") && window.SwaggerUIBundle) {
    window.ui = window.SwaggerUIBundle({
      url: spec,
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      validatorUrl: null, // no badge from validator.swagger.io: nothing from the internet
    });
  }
  var redoc = document.getElementById("redoc");
  if (redoc && window.Redoc) {
    window.Redoc.init(spec, { hideDownloadButton: false }, redoc);
  }
})();
