// The API reference: Swagger UI over this API's own openapi.json, served from this origin only.
"use strict";

(function () {
  // ".../<stage>/docs" -> ".../<stage>": the API's base under any stage prefix or custom domain.
  const base = new URL(".", window.location.href).href.replace(/\/$/, "");
  const main = document.getElementById("reference");

  function failed(message) {
    main.setAttribute("role", "alert");
    main.textContent = `The API reference could not be loaded: ${message}. The document itself is at ${base}/openapi.json.`;
  }

  fetch("openapi.json", { headers: { Accept: "application/json" } })
    .then((answer) => {
      if (!answer.ok) throw new Error(`openapi.json answered ${answer.status}`);
      return answer.json();
    })
    .then((spec) => {
      // "Try it out" calls this very server first; the document's own servers stay listed after it.
      const others = (spec.servers || []).filter((server) => server.url !== base);
      spec.servers = [{ url: base, description: "This server" }, ...others];
      window.ui = window.SwaggerUIBundle({
        spec,
        dom_id: "#reference",
        deepLinking: true,
        docExpansion: "list",
        defaultModelsExpandDepth: 0,
        displayRequestDuration: true,
        filter: true,
        validatorUrl: null, // never ask an outside validator about this document
      });
    })
    .catch((error) => failed(error.message));
})();
