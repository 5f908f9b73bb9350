using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Sparkify.Warehouse.Tests.TestUtilities;

/// <summary>
/// Debian's chromium, headless, driven through its chromedriver (both installed by
/// .ci/install-prereqs.sh), with a fresh profile, nothing in the background that could reach the
/// network, and the console and network logs kept so a test can read them.
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    public const string BrowserPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    private readonly string _profile;

    public HeadlessChromium()
    {
        Assert.True(File.Exists(BrowserPath) && File.Exists(DriverPath), $"{BrowserPath} and {DriverPath} are needed: run bash .ci/install-prereqs.sh");
        _profile = Directory.CreateTempSubdirectory("sparkify-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,1000", $"--user-data-dir={_profile}");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        options.SetLoggingPreference("performance", LogLevel.All);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
    }

    public ChromeDriver Driver { get; }

    /// <summary>Opens a local file and waits for it to finish loading.</summary>
    /// <remarks>
    /// The browser's own start page (chrome://new-tab-page) fetches its resources at start-up; going to
    /// about:blank first and emptying the logs leaves only what the opened file causes.
    /// </remarks>
    public void Open(string path)
    {
        Driver.Navigate().GoToUrl("about:blank");
        _ = RequestedUrls();
        _ = ConsoleMessages();
        Driver.Navigate().GoToUrl(new Uri(path).AbsoluteUri);
        Assert.Equal("complete", Driver.ExecuteScript("return document.readyState"));
    }

    /// <summary>Runs a script that returns <c>JSON.stringify(...)</c> and parses what it returns.</summary>
    public JsonElement Json(string script) => JsonDocument.Parse((string)Driver.ExecuteScript(script)!).RootElement.Clone();

    /// <summary>Console messages since the last call: level and text.</summary>
    public List<(string Level, string Message)> ConsoleMessages()
        => [.. Driver.Manage().Logs.GetLog(LogType.Browser).Select(e => (e.Level.ToString(), e.Message))];

    /// <summary>Every URL the browser asked its network stack for since the last call (the performance log's Network.requestWillBeSent).</summary>
    public List<string> RequestedUrls()
        => [.. Driver.Manage().Logs.GetLog("performance")
            .Select(e => JsonDocument.Parse(e.Message).RootElement.GetProperty("message"))
            .Where(m => m.GetProperty("method").GetString() == "Network.requestWillBeSent")
            .Select(m => m.GetProperty("params").GetProperty("request").GetProperty("url").GetString()!)];

    /// <summary>Emulates a media type and colour scheme (null restores the defaults).</summary>
    public void EmulateMedia(string media, string colorScheme)
        => Driver.ExecuteCdpCommand("Emulation.setEmulatedMedia", new Dictionary<string, object?>
        {
            ["media"] = media,
            ["features"] = new object[] { new Dictionary<string, object> { ["name"] = "prefers-color-scheme", ["value"] = colorScheme } },
        });

    /// <summary>Lays the page out at this viewport width, as a phone or a wide screen would.</summary>
    public void ViewportWidth(int width)
        => Driver.ExecuteCdpCommand("Emulation.setDeviceMetricsOverride", new Dictionary<string, object?>
        {
            ["width"] = width, ["height"] = 900, ["deviceScaleFactor"] = 1, ["mobile"] = width < 600,
        });

    /// <summary>A PNG of the whole page (or its top <paramref name="maxHeight"/> pixels) at the current width.</summary>
    public byte[] Screenshot(int? maxHeight = null, double scale = 1)
    {
        var width = Convert.ToDouble(Driver.ExecuteScript("return document.documentElement.scrollWidth"), System.Globalization.CultureInfo.InvariantCulture);
        var height = Convert.ToDouble(Driver.ExecuteScript("return document.documentElement.scrollHeight"), System.Globalization.CultureInfo.InvariantCulture);
        var shot = Driver.ExecuteCdpCommand("Page.captureScreenshot", new Dictionary<string, object?>
        {
            ["format"] = "png",
            ["captureBeyondViewport"] = true,
            ["clip"] = new Dictionary<string, object> { ["x"] = 0, ["y"] = 0, ["width"] = width, ["height"] = Math.Min(height, maxHeight ?? height), ["scale"] = scale },
        });
        return Convert.FromBase64String((string)((Dictionary<string, object>)shot!)["data"]!);
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        Directory.Delete(_profile, recursive: true);
    }
}
