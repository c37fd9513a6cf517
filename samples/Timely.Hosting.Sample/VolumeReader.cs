using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Timely.Hosting.Sample;

/// <summary>Reads the job's results as async code does, and logs how many arrived and the last total per symbol.</summary>
public sealed class VolumeReader(Channel<Volume> volumes, ILogger<VolumeReader> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var last = new SortedDictionary<string, Volume>(StringComparer.Ordinal);
        int received = 0;
        try
        {
            await foreach (var volume in volumes.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                last[volume.Symbol] = volume;
                if (++received % 100 == 0)
                {
                    log.LogInformation("results: {Received} volumes received", received);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host stops this service after the job (see Program.cs): what the job wrote is all here.
            while (volumes.Reader.TryRead(out var volume))
            {
                last[volume.Symbol] = volume;
                received++;
            }
        }

        log.LogInformation("results: {Received} volumes; last totals: {Totals}", received,
            string.Join(", ", last.Values.Select(v => $"{v.Symbol}={v.Total}@w{v.Worker}")));
    }
}
