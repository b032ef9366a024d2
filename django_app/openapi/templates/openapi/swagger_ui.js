"use strict";
// Swagger UI of django_app: drf-spectacular's set-up, with the CSRF token read from its
// cookie at every unsafe same-origin request (Django rotates it at each login). No token
// is written into this script: a page of another origin may include it as a <script>.

const swaggerSettings = {{ settings|safe }};
const csrfCookieName = "{{ csrf_cookie_name|escapejs }}";
const csrfHeaderName = "{{ csrf_header_name|escapejs }}";

const readCookie = (name) => {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) {
      return decodeURIComponent(rest.join("="));
    }
  }
  return null;
};

const requestInterceptor = (request) => {
  const unsafe = !["GET", "HEAD", "OPTIONS", undefined].includes(request.method);
  const sameOrigin = new URL(request.url, document.baseURI).origin === window.location.origin;
  if (unsafe && sameOrigin) {
    const token = readCookie(csrfCookieName);
    if (token) {
      request.headers[csrfHeaderName] = token;
    }
  }
  return request;
};

const ui = SwaggerUIBundle({
  url: "{{ schema_url|escapejs }}",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  requestInterceptor,
  ...swaggerSettings,
});
