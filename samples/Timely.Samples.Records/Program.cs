using System.Globalization;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Samples.Records;

// timely's flags (-w, -n, -p, -h, -z, --transport, ...), then the number of trades.
//   dotnet run --project samples/Timely.Samples.Records -- -w 2 -z 10000
//   ... -- -n 2 -p 0 --transport shm 10000   (and -p 1 in a second shell)
// The codec benchmarks (bench/codec-perf.sh runs them): ... -- FLAGS bench generated|hand ROUNDS PER-ROUND,
// and the two codecs alone in this process: ... -- codec ROUNDS COUNT
try
{
    var config = Config.FromArgs(args, out var rest);
    if (rest.Count == 3 && rest[0] == "codec")
    {
        Console.WriteLine(TickBench.Codecs(int.Parse(rest[1], CultureInfo.InvariantCulture), int.Parse(rest[2], CultureInfo.InvariantCulture)));
        return 0;
    }

    if (rest.Count == 4 && rest[0] == "bench")
    {
        Console.WriteLine(TickBench.Run(config, rest[1], int.Parse(rest[2], CultureInfo.InvariantCulture), int.Parse(rest[3], CultureInfo.InvariantCulture)));
        return 0;
    }

    ulong count = rest.Count > 0 ? ulong.Parse(rest[0], CultureInfo.InvariantCulture) : 10_000;
    foreach (string line in Execute.Run(config, worker => TradeFlow.Run(worker, count)))
    {
        Console.WriteLine(line);
    }

    return 0;
}
catch (ConfigException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
