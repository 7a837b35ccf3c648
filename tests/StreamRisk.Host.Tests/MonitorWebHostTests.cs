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

        var anonymous = await http.GetAsync(new Uri(host.Url + "/metrics"));
        var health = await http.GetAsync(new Uri(host.Url + "/healthz"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.Url + "/metrics"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        var authorised = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorised.StatusCode);
        Assert.DoesNotContain("s3cret", await authorised.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
