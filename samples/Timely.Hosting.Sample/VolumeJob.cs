using System.Threading.Channels;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Hosting.Sample;

/// <summary>
/// The job every worker builds: trades from this process's feed, exchanged by symbol (so every
/// trade of a symbol meets on one worker, whichever process read it), a running total per
/// symbol, and the totals out to this process's results channel.
/// </summary>
public sealed class VolumeJob(Channel<Trade> trades, Channel<Volume> volumes) : ITimelyJob
{
    public void Run(Worker worker)
    {
        var totals = new Dictionary<string, long>();   // this worker's symbols; its thread only
        worker.Dataflow<ulong>(scope => scope
            .SourceFrom(trades.Reader, trade => trade.Time)
            .ExchangeBy(trade => trade.Symbol)
            .Map(trade =>
            {
                long total = totals.GetValueOrDefault(trade.Symbol) + trade.Quantity;
                totals[trade.Symbol] = total;
                return (trade.Symbol, Total: total);
            })
            .WriteTo(volumes.Writer, (time, v) => new Volume(v.Symbol, time, v.Total, worker.Index)));
    }
}
