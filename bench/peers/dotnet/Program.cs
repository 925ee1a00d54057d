// The seed's ASP.NET Core app on Kestrel: POST /performance-test/first, /second, /third.
// Same layers as the Python apps: the endpoint hands the body and a callback to the
// execution service, the callback calls the repository, which waits without holding a
// thread (await Task.Delay) and answers "<names> Executed". Every request logs its four
// lines through the console logger, as the seed's app did (appsettings.json keeps
// ASP.NET Core's own per-request lines at Warning, as ASP.NET Core's project templates do).
//
// bench/run.py builds it (bench/dotnet_peer.py) and sets, through the environment:
// ASPNETCORE_URLS the address, REPOSITORY_DELAY_MS the delay, and, when a scenario raises
// plugin-host's limits, the same limits here: Kestrel__Limits__MaxConcurrentConnections and
// SocketTransport__Backlog (Kestrel's listen queue, 512 unless set).
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
// Kestrel reads only its endpoints from the "Kestrel" section by itself, not its limits, and
// the socket transport has no section at all: both are bound here for an operator to set.
builder.Services.Configure<KestrelServerOptions>(builder.Configuration.GetSection("Kestrel"));
builder.Services.Configure<SocketTransportOptions>(builder.Configuration.GetSection("SocketTransport"));
builder.Services.AddSingleton<Repository>();
builder.Services.AddSingleton<ExecutionService>();
var app = builder.Build();

var endpoints = new Dictionary<string, string[]>
{
    ["first"] = new[] { "first_first", "first_second" },
    ["second"] = new[] { "second_first", "second_second" },
    ["third"] = new[] { "third_first", "third_second" },
};

foreach (var (endpoint, names) in endpoints)
{
    app.MapPost($"/performance-test/{endpoint}",
        async (JsonElement data, ExecutionService service, Repository repository) =>
        {
            try
            {
                var result = await service.Execute(endpoint, () => repository.Execute(names, data));
                return Results.Json(result);
            }
            catch (Exception error)
            {
                return Results.Json(new { error = error.Message }, statusCode: 500);
            }
        });
}

app.Lifetime.ApplicationStarted.Register(() =>
{
    // What the operator's settings became, so that a benchmark's log shows the limits in force.
    var limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
    var sockets = app.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
    app.Logger.LogInformation(
        "Kestrel limits: MaxConcurrentConnections {Connections}, listen backlog {Backlog}, "
        + "server GC {ServerGc}, {Processors} processors",
        limits.MaxConcurrentConnections?.ToString() ?? "unlimited", sockets.Backlog,
        System.Runtime.GCSettings.IsServerGC, Environment.ProcessorCount);
});

app.Run();

sealed class Repository
{
    private readonly ILogger<Repository> _logger;
    private readonly int _delayMs;

    public Repository(ILogger<Repository> logger)
    {
        _logger = logger;
        _delayMs = int.TryParse(Environment.GetEnvironmentVariable("REPOSITORY_DELAY_MS"),
            out var delayMs) ? delayMs : 2000;
    }

    public async Task<string> Execute(string[] names, JsonElement data)
    {
        var joined = string.Join(",", names);
        _logger.LogInformation("Executing {Names} with data: {Data}", joined, data.GetRawText());
        await Task.Delay(_delayMs);
        _logger.LogInformation("Executed {Names}", joined);
        return $"{joined} Executed";
    }
}

sealed class ExecutionService
{
    private readonly ILogger<ExecutionService> _logger;

    public ExecutionService(ILogger<ExecutionService> logger) => _logger = logger;

    public async Task<string> Execute(string action, Func<Task<string>> callback)
    {
        _logger.LogInformation("Starting {Action}", action);
        var result = await callback();
        _logger.LogInformation("Finished");
        return result;
    }
}
