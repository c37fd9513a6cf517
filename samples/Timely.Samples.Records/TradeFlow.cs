using System.Globalization;
using System.Text;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Samples.Records;

/// <summary>
/// The dataflow of the sample: each worker makes its share of the trades, exchanges them by id,
/// and counts and fingerprints what it receives. The result line of a worker depends only on the
/// trade count and the worker count, so every transport prints the same lines.
/// </summary>
public static class TradeFlow
{
    private static readonly string[] Symbols = ["ACME", "GLOBEX", "INITECH", "Ünïcödé"];

    /// <summary>Trade <paramref name="i"/>: every member kind filled, some nullables null.</summary>
    public static Trade Make(ulong i) => new(
        Id: i,
        Symbol: Symbols[i % 4],
        Price: 100 + (i % 1000) / 8.0,
        Quantity: (int)(i % 500) - 250,
        Side: i % 3 == 0 ? Side.Sell : Side.Buy,
        Tags: [.. Enumerable.Range(0, (int)(i % 3)).Select(t => "tag" + t.ToString(CultureInfo.InvariantCulture))],
        Venue: i % 5 == 0 ? null : new Venue("XNAS", i % 2 == 0 ? null : (int)(i % 7)),
        Owner: ("desk" + (i % 4).ToString(CultureInfo.InvariantCulture), (long)(i * 31)),
        Note: i % 4 == 0 ? null : "n" + i.ToString(CultureInfo.InvariantCulture));

    /// <summary>A digest of every member (the same in every process, unlike string hash codes).</summary>
    public static ulong Fingerprint(Trade t)
    {
        string text = string.Join("|",
            t.Id.ToString(CultureInfo.InvariantCulture), t.Symbol, t.Price.ToString("R", CultureInfo.InvariantCulture),
            t.Quantity.ToString(CultureInfo.InvariantCulture), t.Side.ToString(), string.Join(",", t.Tags),
            t.Venue is null ? "-" : t.Venue.Name + "/" + (t.Venue.Lane?.ToString(CultureInfo.InvariantCulture) ?? "-"),
            t.Owner.Desk, t.Owner.Book.ToString(CultureInfo.InvariantCulture), t.Note ?? "-");
        ulong hash = 14695981039346656037UL;   // FNV-1a
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash = unchecked((hash ^ b) * 1099511628211UL);
        }

        return hash;
    }

    /// <summary>Runs the flow on one worker; returns its result line.</summary>
    public static string Run(Worker worker, ulong count)
    {
        ArgumentNullException.ThrowIfNull(worker);
        long received = 0;
        ulong checksum = 0;
        var input = new InputHandle<ulong, Trade>();
        var probe = new ProbeHandle<ulong>();
        worker.Dataflow<ulong>(scope => scope.InputFrom(input)
            .Exchange(t => t.Id)
            .Inspect(t =>
            {
                received++;
                checksum = unchecked(checksum + Fingerprint(t));
            })
            .ProbeWith(probe));

        for (ulong i = (ulong)worker.Index; i < count; i += (ulong)worker.Peers)
        {
            input.Send(Make(i));
            if (i % 256 == 0)
            {
                input.AdvanceTo(input.Time + 1);
                worker.StepWhile(() => probe.LessThan(input.Time));
            }
        }

        input.Dispose();
        while (worker.StepOrPark(null))
        {
        }

        return $"worker {worker.Index}: {received} trades, checksum {checksum:x16}";
    }
}
