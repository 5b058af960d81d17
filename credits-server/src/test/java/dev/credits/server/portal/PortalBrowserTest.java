package dev.credits.server.portal;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import dev.credits.server.TestServer;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The portal and the console in a real browser: Debian's chromium, driven by Selenium through
 * chromedriver, and axe-core run on every page. Skipped when chromium is not installed, unless
 * {@code CREDITS_BROWSER_TESTS=required} (as {@code .ci/run} sets after installing it). On a
 * failure, a screenshot and the page source go to {@code target/browser-failures/}; with
 * {@code -Dcredits.screenshots=DIR} the README's screenshots are written to DIR.
 */
@Tag("browser")
class PortalBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final List<String> BLOCKING = List.of("serious", "critical");

    static TestServer server;
    static WebDriver driver;
    static Path profile;

    @RegisterExtension
    final TestWatcher onFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (driver == null) {
                return;
            }
            try {
                Path dir = Path.of("target", "browser-failures");
                Files.createDirectories(dir);
                String name = context.getRequiredTestMethod().getName();
                Files.write(dir.resolve(name + ".png"),
                        ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
                Files.writeString(dir.resolve(name + ".html"), driver.getPageSource());
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    };

    @BeforeAll
    static void start() throws IOException {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && "required".equals(System.getenv("CREDITS_BROWSER_TESTS"))) {
            throw new AssertionError("CREDITS_BROWSER_TESTS=required, but " + CHROMIUM + " or "
                    + CHROMEDRIVER + " is missing (apt-get install chromium chromium-driver)");
        }
        Assumptions.assumeTrue(installed, "chromium and chromium-driver are not installed");
        server = TestServer.startDemo(PortalFixture.catalog(), java.time.Instant.now()
                .minus(Duration.ofDays(28)).truncatedTo(java.time.temporal.ChronoUnit.DAYS));
        PortalFixture.weeks(server, "alice", 28, 3);
        profile = Files.createTempDirectory("credits-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--window-size=1280,1000", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile)
                        .forEach(File::delete);
            }
        }
    }

    @Test
    void aLinkOpensTheOverviewAndEveryPagePassesAxe() throws IOException {
        driver.get(PortalFixture.link(server, "alice"));
        assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Your credits");
        assertThat(balance()).isEqualTo(Text.of("en").amount(dev.credits.Amount.parse(
                server.balance("alice"), 2)));
        assertThat(driver.findElement(By.cssSelector("[data-field=runway]")).getText())
                .contains("your credits last about");
        screenshot("overview");
        accessible("overview");
        for (String page : List.of("history", "usage", "grants", "buy", "subscription")) {
            navigate(By.cssSelector("nav a[href='/portal/" + page + "']"));
            assertThat(driver.getCurrentUrl()).endsWith("/portal/" + page);
            if (page.equals("usage")) {
                new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> "true".equals(
                        d.findElement(By.id("usage-chart")).getAttribute("data-drawn")));
                assertThat(driver.findElements(By.cssSelector("#usage-chart canvas"))).isNotEmpty();
            }
            if (page.equals("history") || page.equals("usage")) {
                screenshot(page);
            }
            accessible(page);
        }
    }

    @Test
    void theHistoryPagesAndShowsWhichGrantsPaid() {
        driver.get(PortalFixture.link(server, "alice"));
        driver.get(server.baseUrl() + "/portal/history?group=none");
        List<WebElement> first = driver.findElements(By.cssSelector("tr.history-row"));
        assertThat(first).hasSize(Portal.HISTORY_PAGE);
        assertThat(driver.findElement(By.cssSelector("ul.paid-by li")).getText())
                .startsWith("Allowance");
        String firstText = first.get(0).getText();
        navigate(By.cssSelector("a[rel=next]"));
        List<WebElement> second = driver.findElements(By.cssSelector("tr.history-row"));
        assertThat(second).hasSize(Portal.HISTORY_PAGE);
        assertThat(second.get(0).getText()).isNotEqualTo(firstText);
        accessible("history, page 2");
    }

    @Test
    void buyingAPackInDemoModeRaisesTheBalance() {
        server.grant("bob", "10.00");
        driver.get(PortalFixture.link(server, "bob"));
        assertThat(balance()).isEqualTo("10.00");
        navigate(By.cssSelector("nav a[href='/portal/buy']"));
        navigate(By.cssSelector("form[action='/portal/buy'] button"));
        assertThat(driver.getCurrentUrl()).endsWith("/portal?bought=1");
        assertThat(balance()).isEqualTo("510.00");
        assertThat(server.balance("bob")).isEqualTo("510.00");
    }

    @Test
    void theLocaleSwitchesToGerman() {
        server.grant("carol", "1234.50");
        driver.get(PortalFixture.link(server, "carol"));
        new Select(driver.findElement(By.id("locale"))).selectByValue("de");
        navigate(By.cssSelector("form.locale button"));
        assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Ihr Guthaben");
        assertThat(driver.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("de");
        assertThat(balance()).isEqualTo("1.234,50");
        assertThat(driver.findElement(By.cssSelector("nav a[href='/portal/history']")).getText())
                .isEqualTo("Verlauf");
        accessible("overview (de)");
    }

    @Test
    void anOperatorGrantsInTheConsoleAndTheCustomerSeesIt() {
        server.grant("dave", "5.00");
        String admin = server.keys.create("console-operator", dev.credits.server.ApiKeys.Scope.WRITE);
        driver.get(server.baseUrl() + "/admin");
        accessible("console sign-in");
        driver.findElement(By.id("key")).sendKeys(admin);
        navigate(By.cssSelector("form[action='/admin/sign-in'] button"));
        driver.findElement(By.id("q")).sendKeys("dav");
        navigate(By.cssSelector("form[role=search] button"));
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> !d.findElements(
                By.linkText("dave")).isEmpty());
        navigate(By.linkText("dave"));
        accessible("console customer");
        driver.findElement(By.id("grant-amount")).sendKeys("25.00");
        driver.findElement(By.id("grant-reason")).sendKeys("Sorry for the outage");
        navigate(By.cssSelector("#grant-form button"));
        assertThat(driver.findElement(By.cssSelector(".notice.ok")).getText())
                .isEqualTo("Credits granted.");
        assertThat(driver.findElement(By.cssSelector("tr[data-wallet=credits] [data-field=balance]"))
                .getText()).isEqualTo("30.00");
        navigate(By.cssSelector("form[action='/admin/sign-out'] button"));
        assertThat(driver.findElement(By.id("key")).isDisplayed()).isTrue();

        driver.get(PortalFixture.link(server, "dave"));
        assertThat(balance()).isEqualTo("30.00");
    }

    @Test
    void everyPageFitsA360PixelScreen() {
        driver.get(PortalFixture.link(server, "alice"));
        Dimension before = driver.manage().window().getSize();
        try {
            driver.manage().window().setSize(new Dimension(360, 800));
            for (String page : List.of("", "/history", "/usage", "/grants", "/buy",
                    "/subscription")) {
                driver.get(server.baseUrl() + "/portal" + page);
                Number overflow = (Number) ((JavascriptExecutor) driver).executeScript(
                        "return document.documentElement.scrollWidth"
                                + " - document.documentElement.clientWidth;");
                assertThat(overflow.intValue()).as("horizontal overflow of /portal" + page)
                        .isLessThanOrEqualTo(0);
            }
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    /** Clicks what loads a new page (a link, a form's button) and waits for the new page. */
    private static void navigate(By what) {
        WebElement html = driver.findElement(By.tagName("html"));
        driver.findElement(what).click();
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(
                org.openqa.selenium.support.ui.ExpectedConditions.stalenessOf(html));
    }

    private static String balance() {
        return driver.findElement(By.cssSelector("[data-field=balance]")).getText();
    }

    /** No serious or critical axe-core violation on the page the browser shows. */
    private static void accessible(String page) {
        Results results = new AxeBuilder().analyze(driver);
        List<Rule> blocking = results.getViolations().stream()
                .filter(rule -> BLOCKING.contains(rule.getImpact())).toList();
        assertThat(blocking).as("axe-core on " + page + ": " + blocking.stream()
                .map(r -> r.getId() + " (" + r.getImpact() + "): " + r.getHelp() + " "
                        + r.getNodes().stream().map(n -> String.valueOf(n.getTarget()))
                        .collect(Collectors.joining(", ")))
                .collect(Collectors.joining("; "))).isEmpty();
    }

    /** The README's screenshots, when {@code -Dcredits.screenshots=DIR} asks for them. */
    private static void screenshot(String name) throws IOException {
        String dir = System.getProperty("credits.screenshots");
        if (dir == null) {
            return;
        }
        Files.createDirectories(Path.of(dir));
        Files.write(Path.of(dir, "portal-" + name + ".png"),
                ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }
}
