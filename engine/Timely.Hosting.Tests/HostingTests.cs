using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Timely.Communication.Diagnostics;
using Timely.Dataflow;
using Timely.Dataflow.Diagnostics;
using Timely.Dataflow.Operators;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.Hosting.Tests;

/// <summary>
/// <c>services.AddTimely(...)</c> in a generic host: <see cref="TimelyOptions"/> bound from the
/// <c>Timely</c> section and checked at start, the job run as a hosted service that ends with
/// its inputs or with the host, and the library's diagnostics and meters where a service reads them.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class HostingTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);
    private readonly string _root = Path.Combine(JobDirectory.DefaultRoot, "timely-tests-host-" + Guid.NewGuid().ToString("N")[..12]);

    public HostingTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>The job of these tests: numbers in, exchanged by value, (time, number) out.</summary>
    private sealed class Numbers(Channel<int> input, Channel<(ulong Time, int Record)> output) : ITimelyJob
    {
        public void Run(Worker worker) =>
            worker.Dataflow<ulong>(scope => scope.SourceFrom(input.Reader, r => (ulong)(r / 10)).Exchange(r => r).ProbeWith(ProbeHandle.Create()).WriteTo(output.Writer));
    }

    private static (IHost Host, Channel<int> Input, Channel<(ulong Time, int Record)> Output, CapturingLoggerProvider Logs) Build(
        Dictionary<string, string?> settings, Action<IServiceCollection>? more = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "timely-host-tests" });
        builder.Configuration.AddInMemoryCollection(settings);
        var logs = new CapturingLoggerProvider();
        builder.Logging.ClearProviders().AddProvider(logs);
        var input = Channel.CreateUnbounded<int>();
        var output = Channel.CreateUnbounded<(ulong Time, int Record)>();
        builder.Services.AddSingleton(input).AddSingleton(output);
        builder.Services.AddTimely<Numbers>();
        more?.Invoke(builder.Services);
        return (builder.Build(), input, output, logs);
    }

    [Fact]
    public async Task The_job_runs_on_the_configured_workers_and_the_host_stops_when_its_inputs_are_done()
    {
        var (host, input, output, logs) = Build(new() { ["Timely:Workers"] = "2" });
        using (host)
        {
            await host.StartAsync();
            for (int r = 0; r < 100; r++)
            {
                await input.Writer.WriteAsync(r);
            }

            input.Writer.Complete();
            await host.WaitForShutdownAsync().WaitAsync(Guard);
        }

        output.Writer.Complete();
        var got = new List<int>();
        await foreach (var (time, record) in output.Reader.ReadAllAsync())
        {
            Assert.Equal((ulong)(record / 10), time);
            got.Add(record);
        }

        Assert.Equal(Enumerable.Range(0, 100), got.Order());
        Assert.Contains(logs.Lines, l => l.Category == "Timely" && l.Message.Contains("2 worker(s), Process", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Message == "timely: the job completed: every input is done");
    }

    [Theory]
    [InlineData("Timely:Workers", "0", "Timely: threads: 0 workers requested")]
    [InlineData("Timely:ProcessIndex", "3", "Timely: process index 3 is outside 0..0")]
    [InlineData("Timely:StopTimeout", "-00:00:01", "Timely: stop timeout: -1 s is outside")]
    [InlineData("Timely:SecretFile", "/nonexistent/timely-secret", "Timely: --secret-file: cannot read '/nonexistent/timely-secret'")]
    public async Task Invalid_options_stop_the_start_with_a_line_naming_the_setting(string key, string value, string expected)
    {
        var (host, _, _, _) = Build(new() { [key] = value });
        using (host)
        {
            var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
            Assert.StartsWith(expected, Assert.Single(e.Failures), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Stopping_the_host_stops_a_running_job_within_the_stop_timeout()
    {
        var (host, input, output, logs) = Build(new() { ["Timely:Workers"] = "2", ["Timely:StopTimeout"] = "00:00:05" });
        using (host)
        {
            await host.StartAsync();
            await input.Writer.WriteAsync(1);
            Assert.Equal(1, (await output.Reader.ReadAsync().AsTask().WaitAsync(Guard)).Record);

            // The input channel stays open: only the host's stop ends the job.
            await host.StopAsync().WaitAsync(Guard);
        }

        Assert.Contains(logs.Lines, l => l.Message.StartsWith("timely: stopped: the host is stopping", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Level >= LogLevel.Error);
    }

    /// <summary>
    /// A two-process shared-memory job through the hosting package (two hosts in this test
    /// process, one per process index), whose directory holds a file that is not the job's: the
    /// records cross between the processes, the warning the library used to write on stderr
    /// arrives through ILogger, and once both hosts stopped the job left no file.
    /// </summary>
    [Fact]
    public async Task A_two_process_shared_memory_job_runs_through_two_hosts_and_its_diagnostics_arrive_through_ILogger()
    {
        string job = "host-" + Guid.NewGuid().ToString("N")[..12];
        string directory = JobDirectory.PathFor(_root, job);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(directory, "not-the-jobs"), "x");
        var hosts = Enumerable.Range(0, 2).Select(p => Build(new()
        {
            ["Timely:Workers"] = "2",
            ["Timely:Processes"] = "2",
            ["Timely:ProcessIndex"] = p.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Timely:Transport"] = "Shm",
            ["Timely:JobName"] = job,
            ["Timely:ShmDirectory"] = _root,
            ["Timely:ConnectTimeout"] = "00:00:20",
        })).ToArray();
        await Task.WhenAll(hosts.Select(h => h.Host.StartAsync()));
        for (int r = 0; r < 40; r++)
        {
            await hosts[r % 2].Input.Writer.WriteAsync(r);
        }

        foreach (var h in hosts)
        {
            h.Input.Writer.Complete();
        }

        await Task.WhenAll(hosts.Select(h => h.Host.WaitForShutdownAsync().WaitAsync(Guard)));
        foreach (var h in hosts)
        {
            h.Host.Dispose();
            h.Output.Writer.Complete();
        }

        // Record r is exchanged to worker r % 4: process 0 holds workers 0 and 1, process 1 workers 2 and 3.
        for (int p = 0; p < 2; p++)
        {
            var got = new List<int>();
            await foreach (var (_, record) in hosts[p].Output.Reader.ReadAllAsync())
            {
                got.Add(record);
            }

            Assert.Equal(Enumerable.Range(0, 40).Where(r => r % 4 / 2 == p), got.Order());
        }

        Assert.Contains(hosts.SelectMany(h => h.Logs.Lines), l => l.Category == "Timely" && l.Level == LogLevel.Warning &&
            l.Message.Contains("not-the-jobs", StringComparison.Ordinal) && l.Message.Contains("left alone", StringComparison.Ordinal));
        Assert.Equal([Path.Combine(directory, "not-the-jobs")], Directory.EnumerateFileSystemEntries(directory));
        File.Delete(Path.Combine(directory, "not-the-jobs"));
        Directory.Delete(directory);
    }

    [Fact]
    public async Task The_meters_show_up_in_an_OpenTelemetry_in_memory_export()
    {
        var metrics = new List<MetricSnapshot>();
        var (host, input, output, _) = Build(new() { ["Timely:Workers"] = "2" }, services =>
            services.AddOpenTelemetry().WithMetrics(m => m
                .AddMeter(DataflowMetrics.MeterName, CommunicationMetrics.MeterName)
                .AddInMemoryExporter(metrics)));
        IReadOnlyList<MetricPoint> lagWhileRunning;
        using (host)
        {
            await host.StartAsync();
            for (int r = 0; r < 100; r++)
            {
                await input.Writer.WriteAsync(r);
            }

            for (int r = 0; r < 100; r++)
            {
                await output.Reader.ReadAsync().AsTask().WaitAsync(Guard);
            }

            // A gauge is read at collection: collect while the job runs (its probes exist).
            host.Services.GetRequiredService<MeterProvider>().ForceFlush();
            lagWhileRunning = metrics.Last(m => m.Name == "timely.probe.lag").MetricPoints;
            input.Writer.Complete();
            await host.WaitForShutdownAsync().WaitAsync(Guard);
            host.Services.GetRequiredService<MeterProvider>().ForceFlush();
        }

        // Each export holds every metric, cumulative: read the last one of each name.
        MetricSnapshot Last(string name) => metrics.Last(m => m.Name == name);
        long Sum(string name, string? channelPrefix = null) => Last(name).MetricPoints
            .Where(p => channelPrefix is null || Tag(p, "timely.channel")?.StartsWith(channelPrefix, StringComparison.Ordinal) == true)
            .Sum(p => p.GetSumLong());

        // Every record reached the sink's input once, over all workers.
        Assert.Equal(100, Sum("timely.channel.records", "WriteToChannel#"));
        Assert.True(Sum("timely.channel.batches", "WriteToChannel#") >= 2);
        Assert.True(Sum("timely.messages.sent") > 0);

        var schedules = Last("timely.operator.schedule.duration");
        Assert.Equal("s", schedules.Unit);
        Assert.Contains(schedules.MetricPoints, p => Tag(p, "timely.operator")?.StartsWith("Exchange#", StringComparison.Ordinal) == true && p.GetHistogramCount() > 0);

        // One lag series per worker's probe while the job ran.
        Assert.All(lagWhileRunning, p => Assert.InRange(p.GetGaugeLastValueLong(), 0, 9));
        Assert.Equal(["0", "1"], lagWhileRunning.Select(p => Tag(p, "timely.worker")).Order());
    }

    private static string? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }
}
