using Microsoft.Playwright;

namespace StreamRisk.BrowserTests;

/// <summary>
/// One headless Chromium for the test class: Debian's <c>/usr/bin/chromium</c> (test.sh installs it), driven by
/// Playwright without downloading a browser. The flags keep it from reaching the network or a GPU.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: ./test.sh installs it (apt-get install chromium)");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
    }

    /// <summary>A page whose script errors (uncaught exceptions, console errors) are collected in <paramref name="errors"/>.</summary>
    public async Task<IPage> NewPageAsync(List<string>? errors = null)
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1680, Height = 1050 } });
        if (errors is not null)
        {
            page.PageError += (_, error) => { lock (errors) { errors.Add(error); } };
            page.Console += (_, message) =>
            {
                if (message.Type == "error")
                {
                    lock (errors)
                    {
                        errors.Add(message.Text);
                    }
                }
            };
        }

        // Anything the page tries to fetch from elsewhere fails the test: it must work offline.
        await page.RouteAsync(url => !url.StartsWith("http://127.0.0.1", StringComparison.Ordinal), route => route.AbortAsync());
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
