// The seed's ASP.NET Core app on Kestrel: POST /performance-test/first, /second, /third.
// Same layers as the Python apps: the endpoint hands the body and a callback to the
// execution service, the callback calls the repository, which waits without holding a
// thread (await Task.Delay) and answers "<names> Executed".
// bench/run.py builds and runs it when `dotnet` is installed (ASPNETCORE_URLS sets the
// address; REPOSITORY_DELAY_MS the delay). Debian carries no dotnet, so on this project's
// machines the benchmark shows the seed's published figures instead.
using System.Text.Json;

var builder = WebApplication.CreateBuilder(args);
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
