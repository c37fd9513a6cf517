using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Timely.Communication;
using Timely.Communication.Diagnostics;
using Timely.Dataflow;

namespace Timely.Hosting;

/// <summary>
/// Runs the job's workers for the life of the host: <see cref="Execute.RunAsync(Config, Action{Worker}, CancellationToken)"/>
/// with the host's stopping token, so SIGTERM (the host's stop) closes the inputs and the workers
/// drain within <see cref="TimelyOptions.StopTimeout"/>. The library's diagnostics and the run's
/// start, end and failures go to the <c>Timely</c> logger.
/// </summary>
internal sealed class TimelyHostedService(
    ITimelyJob job,
    IOptions<TimelyOptions> options,
    IHostEnvironment environment,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _log = loggers.CreateLogger("Timely");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var config = settings.ToConfig(Report) with { JobName = settings.JobName ?? environment.ApplicationName };
        _log.LogInformation("timely: process {Process} of {Processes}, {Workers} worker(s), {Kind} over {Transport}, job '{Job}'",
            config.ProcessIndex, config.Processes, config.Threads, config.Kind, config.Transport, config.EffectiveJobName);
        try
        {
            // Off the host's start-up path: a cluster's rendezvous waits for the other processes.
            await Task.Yield();
            await Execute.RunAsync(config, job.Run, stoppingToken).ConfigureAwait(false);
            _log.LogInformation("timely: the job completed: every input is done");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _log.LogInformation("timely: stopped: the host is stopping (inputs closed, workers ended, shared resources released)");
        }
        catch (AggregateException e)
        {
            foreach (var error in e.InnerExceptions)
            {
                _log.LogError("timely: {Error}", error.Message);
            }

            Environment.ExitCode = 1;
        }
        catch (ConfigException e)
        {
            _log.LogError("timely: {Error}", e.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            if (settings.StopApplicationWhenDone && !stoppingToken.IsCancellationRequested)
            {
                lifetime.StopApplication();
            }
        }
    }

    private void Report(DiagnosticMessage diagnostic) =>
        _log.Log((LogLevel)(int)diagnostic.Level, "timely {Source}: {Message}", diagnostic.Source, diagnostic.Message);
}
