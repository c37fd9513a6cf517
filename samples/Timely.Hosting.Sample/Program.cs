using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Timely.Communication.Diagnostics;
using Timely.Dataflow.Diagnostics;
using Timely.Hosting;
using Timely.Hosting.Sample;

// Trades cross between processes: their codec is written at compile time by the codec generator
// (the job exchanges them by symbol), so there is nothing to register here.

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddSingleton(Channel.CreateBounded<Trade>(new BoundedChannelOptions(4096) { SingleWriter = true }));
builder.Services.AddSingleton(Channel.CreateUnbounded<Volume>());

// A host stops its services in reverse order: the reader, added first, stops after the job has
// ended, so it sees every result the job wrote.
builder.Services.AddHostedService<VolumeReader>();
builder.Services.AddTimely<VolumeJob>();
builder.Services.AddHostedService<TradeFeed>();

// The meters of the library, exported in memory and summed into the log when the service stops.
var exported = new List<MetricSnapshot>();
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddMeter(DataflowMetrics.MeterName, CommunicationMetrics.MeterName)
    .AddInMemoryExporter(exported));

using var host = builder.Build();
var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Sample");
var meters = host.Services.GetRequiredService<MeterProvider>();

// Gauges are read while the job's probes exist: collect once when the stop begins.
host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => meters.ForceFlush());
await host.StartAsync();
await host.WaitForShutdownAsync();
meters.ForceFlush();
var names = exported.Select(m => m.Name).Distinct().Order(StringComparer.Ordinal);
long records = exported.LastOrDefault(m => m.Name == "timely.channel.records")?.MetricPoints.Sum(p => p.GetSumLong()) ?? 0;
log.LogInformation("metrics exported: {Names}; timely.channel.records total {Records}", string.Join(", ", names), records);
