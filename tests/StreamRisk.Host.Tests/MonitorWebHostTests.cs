using System.Net;
using StreamRisk.Host.Telemetry;

namespace StreamRisk.Host.Tests;

public sealed class MonitorWebHostTests
{
    [Fact]
    public async Task NonLoopbackWithoutToken_Refused()
    {
        var error = await Assert.ThrowsAsync<UsageException>(() => MonitorWebHost.StartAsync("http://0.0.0.0:0", string.Empty, CancellationToken.None));

        Assert.Contains("without a token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithToken_MetricsNeedItHealthDoesNot()
    {
        await using var host = await MonitorWebHost.StartAsync("http://127.0.0.1:0", "s3cret", CancellationToken.None);
        using var http = new HttpClient();

        var anonymous = await http.GetAsync(new Uri(host.Url + "/metrics"), TestContext.Current.CancellationToken);
        var health = await http.GetAsync(new Uri(host.Url + "/healthz"), TestContext.Current.CancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.Url + "/metrics"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        var authorised = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorised.StatusCode);
        Assert.DoesNotContain("s3cret", await authorised.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer s3cret-token", null, HttpStatusCode.OK)]
    [InlineData("bearer s3cret-token", null, HttpStatusCode.OK)]
    [InlineData(null, "s3cret-token", HttpStatusCode.OK)]
    [InlineData("Bearer s3cret-tokeN", null, HttpStatusCode.Unauthorized)] // same length, last byte differs
    [InlineData("Bearer s3cret-toke", null, HttpStatusCode.Unauthorized)] // a prefix
    [InlineData("Bearer s3cret-token2", null, HttpStatusCode.Unauthorized)] // an extension
    [InlineData("Bearer ", "", HttpStatusCode.Unauthorized)]
    [InlineData(null, "S3CRET-TOKEN", HttpStatusCode.Unauthorized)]
    public async Task Token_OnlyTheExactTokenOpensMetrics(string? header, string? query, HttpStatusCode expected)
    {
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", "s3cret-token", CancellationToken.None);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(web.Url + "/metrics" + (query is null ? string.Empty : "?token=" + query)));
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", header);
        }

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public void TokenMatches_ComparesDigestsOfTheUtf8Bytes()
    {
        var expected = MonitorWebHost.TokenDigest("pässwörd");

        Assert.True(MonitorWebHost.TokenMatches("pässwörd", expected));
        Assert.False(MonitorWebHost.TokenMatches("passwort", expected));
        Assert.False(MonitorWebHost.TokenMatches("pässwörd ", expected));
        Assert.False(MonitorWebHost.TokenMatches(string.Empty, expected));
        Assert.False(MonitorWebHost.TokenMatches(null, expected));
    }

    [Fact]
    public async Task HealthWithoutAMonitor_HealthzSaysTheProcessAnswers_ReadyzOpenWithoutToken()
    {
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", "s3cret", CancellationToken.None);
        using var http = new HttpClient();

        using var live = await http.GetAsync(new Uri(web.Url + "/healthz"), TestContext.Current.CancellationToken);
        using var ready = await http.GetAsync(new Uri(web.Url + "/readyz"), TestContext.Current.CancellationToken);
        using var body = System.Text.Json.JsonDocument.Parse(await live.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("healthy", body.RootElement.GetProperty("checks").GetProperty("process").GetProperty("status").GetString());
        Assert.Equal("application/json", live.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Metrics_ExportTheGivenMeter_WhileAnotherTelemetryOfTheProcessIsDisposed()
    {
        using var own = new StreamRiskTelemetry("StreamRisk.test." + Guid.NewGuid().ToString("N"));
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None, meterName: own.Meter.Name);
        using (var other = new StreamRiskTelemetry())
        {
            other.EventApplied(StreamRisk.Contracts.Wire.WireTopic.Positions);
        }

        own.EventApplied(StreamRisk.Contracts.Wire.WireTopic.Marks);
        using var response = await GetAsync(web, "/metrics", "127.0.0.1");
        var scraped = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Matches("streamrisk_events_applied_total\\{[^}]*topic=\"marks\"", scraped);
        Assert.DoesNotMatch("streamrisk_events_applied_total\\{[^}]*topic=\"positions\"", scraped);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("127.0.0.1.evil.example")]
    [InlineData("10.1.2.3")]
    public async Task HostHeaderNamingAnotherSite_Refused(string host)
    {
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None);

        using var response = await GetAsync(web, "/healthz", host);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.DoesNotContain("ok", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("LOCALHOST")]
    [InlineData("[::1]")]
    public async Task LoopbackNames_AnsweredOnLoopback(string host)
    {
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None);

        using var response = await GetAsync(web, "/healthz", host);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ConfiguredExtraHost_Answered()
    {
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None, allowedHosts: "risk.internal; proxy.internal");

        using var extra = await GetAsync(web, "/healthz", "proxy.internal");
        using var other = await GetAsync(web, "/healthz", "risk.external");

        Assert.Equal(HttpStatusCode.OK, extra.StatusCode);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, other.StatusCode);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/metrics")]
    [InlineData("/no-such-page")]
    public async Task EveryResponse_ForbidsFramingSniffingAndForeignContent(string path)
    {
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None);

        using var response = await GetAsync(web, path, "127.0.0.1");

        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> GetAsync(MonitorWebHost web, string path, string host)
    {
        using var http = new HttpClient();
        var url = new Uri(web.Url + path);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Host = $"{host}:{url.Port}";
        return await http.SendAsync(request);
    }
}
