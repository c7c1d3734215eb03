package dev.nonstop.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.pool.Pool;
import dev.nonstop.pool.Selector;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Several apps on one listener: each request goes to the app its host name and path name. */
class SiteRoutingTest {
  private FakeBackend shop;
  private FakeBackend blog;
  private FakeBackend api;
  private Proxy proxy;
  private Site shopSite;
  private Site blogSite;
  private Site apiSite;

  @BeforeEach
  void start() throws Exception {
    shop = new FakeBackend("shop");
    blog = new FakeBackend("blog");
    api = new FakeBackend("api");
    proxy = Proxy.start(TestTransport.options(), Pool.of(Selector.leastInFlight(), List.of()));
    shopSite = proxy.newSite("shop", Pool.of(Selector.leastInFlight(), List.of(shop.backend())));
    blogSite = proxy.newSite("blog", Pool.of(Selector.leastInFlight(), List.of(blog.backend())));
    apiSite = proxy.newSite("api", Pool.of(Selector.leastInFlight(), List.of(api.backend())));
  }

  @AfterEach
  void stop() {
    proxy.close();
    shop.close();
    blog.close();
    api.close();
  }

  private String get(String host, String path) throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      c.send("GET " + path + " HTTP/1.1\r\n" + (host == null ? "" : "Host: " + host + "\r\n") + "\r\n");
      RawClient.Response r = c.read();
      return r.status() + " " + r.body();
    }
  }

  @Test
  void routesByExactNameThenWildcardAndAnswers404WhenNoAppMatches() throws Exception {
    proxy.routes(Routes.of(List.of(
        new Routes.Route(shopSite, List.of("shop.example", "*.shop.example"), "/", false, false),
        new Routes.Route(blogSite, List.of("blog.example", "www.shop.example"), "/", false, false))));

    assertThat(get("shop.example", "/a")).isEqualTo("200 shop GET /a 0");
    assertThat(get("Shop.Example.:8443", "/b")).isEqualTo("200 shop GET /b 0");
    assertThat(get("eu.shop.example", "/c")).isEqualTo("200 shop GET /c 0");
    assertThat(get("www.shop.example", "/d")).as("an exact name beats a wildcard")
        .isEqualTo("200 blog GET /d 0");
    assertThat(get("blog.example", "/e")).isEqualTo("200 blog GET /e 0");
    assertThat(get("a.b.shop.example", "/f")).as("a wildcard stands for one label")
        .startsWith("404 not found: no app here serves this host name");
    assertThat(get("*.shop.example", "/f")).as("a '*' sent as a name is none")
        .startsWith("404 ");
    assertThat(get("other.example", "/g")).startsWith("404 ");
    assertThat(get(null, "/h")).as("HTTP/1.1 without Host").startsWith("400 ");
    assertThat(shop.requests.get() + blog.requests.get()).isEqualTo(5);
  }

  @Test
  void theDefaultAppTakesUnknownHostsAndAPrefixTakesItsPathsOnly() throws Exception {
    proxy.routes(Routes.of(List.of(
        new Routes.Route(apiSite, List.of("shop.example"), "/api/", true, false),
        new Routes.Route(shopSite, List.of("shop.example"), "/", false, true))));

    assertThat(get("shop.example", "/api/users?x=1")).isEqualTo("200 api GET /users?x=1 0");
    assertThat(get("shop.example", "/api")).isEqualTo("200 api GET / 0");
    assertThat(get("shop.example", "/api?q")).isEqualTo("200 api GET /?q 0");
    assertThat(get("shop.example", "/apiary")).as("a prefix ends at a slash")
        .isEqualTo("200 shop GET /apiary 0");
    assertThat(get("shop.example", "/")).isEqualTo("200 shop GET / 0");
    assertThat(get("anything.else", "/api/x")).as("the default app, by its catch-all route")
        .isEqualTo("200 shop GET /api/x 0");
    assertThat(get("shop.example", "http://shop.example/api/v")).isEqualTo("200 api GET /v 0");
  }

  @Test
  void maintenanceAndListenersArePerApp() throws Exception {
    proxy.routes(Routes.of(List.of(
        new Routes.Route(shopSite, List.of("shop.example"), "/", false, false),
        new Routes.Route(blogSite, List.of("blog.example"), "/", false, false))));
    AtomicInteger shopCount = new AtomicInteger();
    AtomicInteger blogCount = new AtomicInteger();
    shopSite.listener((b, status, nanos, proxyError) -> shopCount.incrementAndGet());
    blogSite.listener((b, status, nanos, proxyError) -> blogCount.incrementAndGet());

    blogSite.maintenance("back soon");
    assertThat(get("blog.example", "/")).startsWith("503 ").contains("back soon");
    assertThat(get("shop.example", "/")).isEqualTo("200 shop GET / 0");
    blogSite.maintenance(null);
    assertThat(get("blog.example", "/")).isEqualTo("200 blog GET / 0");

    assertThat(shopCount.get()).isEqualTo(1);
    assertThat(blogCount.get()).isEqualTo(2);
  }

  @Test
  void anHttp2RequestIsRoutedByItsAuthority() throws Exception {
    try (Proxy h2 = Proxy.start(TestTransport.options().withFront(new FrontDoor(null, true)),
        Pool.of(Selector.leastInFlight(), List.of()))) {
      Site s = h2.newSite("shop", Pool.of(Selector.leastInFlight(), List.of(shop.backend())));
      Site b = h2.newSite("blog", Pool.of(Selector.leastInFlight(), List.of(blog.backend())));
      h2.routes(Routes.of(List.of(
          new Routes.Route(s, List.of("shop.example"), "/", false, false),
          new Routes.Route(b, List.of("blog.example"), "/", false, false))));
      try (H2Wire w = new H2Wire(h2.address())) {
        w.headers(1, H2Wire.get("/x").authority("blog.example"), true);
        assertThat(w.response(1).body()).isEqualTo("blog GET /x 0");
        w.headers(3, H2Wire.get("/y").authority("shop.example:443"), true);
        assertThat(w.response(3).body()).isEqualTo("shop GET /y 0");
        w.headers(5, H2Wire.get("/z").authority("nobody.example"), true);
        assertThat(w.response(5).status()).isEqualTo(404);
      }
    }
  }

  @Test
  void newRoutesTakeTheNextRequestOfAnOpenConnection() throws Exception {
    try (RawClient c = new RawClient(proxy.address())) {
      proxy.routes(Routes.of(List.of(new Routes.Route(shopSite, List.of("x.example"), "/", false, false))));
      c.send("GET /1 HTTP/1.1\r\nHost: x.example\r\n\r\n");
      assertThat(c.read().body()).isEqualTo("shop GET /1 0");
      proxy.routes(Routes.of(List.of(new Routes.Route(blogSite, List.of("x.example"), "/", false, false))));
      c.send("GET /2 HTTP/1.1\r\nHost: x.example\r\n\r\n");
      assertThat(c.read().body()).isEqualTo("blog GET /2 0");
    }
  }
}
