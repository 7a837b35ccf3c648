using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using StreamRisk.Host.Dashboard;
using StreamRisk.Host.Telemetry;

namespace StreamRisk.Host.Tests;

/// <summary>The OpenAPI description of /api, fetched from a running web host and compared with the routes that host maps.</summary>
public sealed class OpenApiDescriptionTests
{
    [Fact]
    public async Task OpenApiDocument_ListsEveryApiPathTheHostMaps_EachNamedAndSummarised()
    {
        using var state = new DashboardState(TimeProvider.System);
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None, state);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(web.Url + DashboardEndpoints.OpenApiPath), TestContext.Current.CancellationToken);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var described = document.RootElement.GetProperty("paths").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);

        // The routes as the host maps them, not a list kept here: a path added later without a description fails.
        var mapped = web.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText!)
            .Where(p => p.StartsWith("/api/", StringComparison.Ordinal))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(7, mapped.Count);
        Assert.Equal(mapped, described.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, item) in described)
        {
            // Every path is a GET but the acknowledgement, a POST.
            var operation = item.GetProperty(path.EndsWith("/ack", StringComparison.Ordinal) ? "post" : "get");
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("operationId").GetString()), path);
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), path);
            Assert.True(operation.GetProperty("responses").TryGetProperty("200", out _), path);
        }
    }

    [Fact]
    public async Task OpenApiDocument_ResponseSchemasAreTheWireShapes()
    {
        using var state = new DashboardState(TimeProvider.System);
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", string.Empty, CancellationToken.None, state);
        using var http = new HttpClient();

        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(web.Url + DashboardEndpoints.OpenApiPath), TestContext.Current.CancellationToken));
        var root = document.RootElement;
        var symbol = root.GetProperty("paths").GetProperty("/api/symbols/{symbol}").GetProperty("get").GetProperty("responses");
        var schemas = root.GetProperty("components").GetProperty("schemas");

        Assert.StartsWith("3.", root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.True(symbol.TryGetProperty("404", out _));
        Assert.Equal("#/components/schemas/SymbolView", symbol.GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        // camelCase, as DashboardJson writes them.
        var properties = schemas.GetProperty("SymbolView").GetProperty("properties");
        Assert.True(properties.TryGetProperty("criticalShockDown", out _));
        Assert.True(properties.TryGetProperty("staleReason", out _));
        Assert.True(schemas.GetProperty("AlertsView").GetProperty("properties").TryGetProperty("recent", out _));
        Assert.True(root.GetProperty("paths").GetProperty("/api/events").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));
    }

    [Fact]
    public async Task WithToken_DescriptionIsPublic_TheApiIsNot()
    {
        using var state = new DashboardState(TimeProvider.System);
        await using var web = await MonitorWebHost.StartAsync("http://127.0.0.1:0", "s3cret", CancellationToken.None, state);
        using var http = new HttpClient();

        using var description = await http.GetAsync(new Uri(web.Url + DashboardEndpoints.OpenApiPath), TestContext.Current.CancellationToken);
        using var api = await http.GetAsync(new Uri(web.Url + "/api/symbols"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, description.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.DoesNotContain("s3cret", await description.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
