using System.Threading.Channels;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Timely.Hosting.Sample;

/// <summary>
/// Stands in for a real feed: writes <c>Sample:Trades</c> trades (default 1000) into the trades
/// channel, ten per logical time, then completes it if <c>Sample:Complete</c> is true (the job
/// then ends by itself) or else leaves it open, as a live feed is, until the service stops.
/// </summary>
public sealed class TradeFeed(Channel<Trade> trades, IConfiguration configuration, ILogger<TradeFeed> log) : BackgroundService
{
    private static readonly string[] Symbols = ["MSFT", "AAPL", "NVDA", "AMZN", "GOOG", "META", "TSLA"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int count = configuration.GetValue("Sample:Trades", 1000);
        int process = configuration.GetValue("Timely:ProcessIndex", 0);
        for (int i = 0; i < count; i++)
        {
            var trade = new Trade(Symbols[(i + process) % Symbols.Length], 1 + (i % 5), (ulong)(i / 10));
            await trades.Writer.WriteAsync(trade, stoppingToken).ConfigureAwait(false);
        }

        log.LogInformation("feed: wrote {Count} trades", count);
        if (configuration.GetValue("Sample:Complete", false))
        {
            trades.Writer.Complete();
        }
    }
}
