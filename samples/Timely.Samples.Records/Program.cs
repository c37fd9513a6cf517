using System.Globalization;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Samples.Records;

// timely's flags (-w, -n, -p, -h, -z, --transport, ...), then the number of trades.
//   dotnet run --project samples/Timely.Samples.Records -- -w 2 -z 10000
//   ... -- -n 2 -p 0 --transport shm 10000   (and -p 1 in a second shell)
try
{
    var config = Config.FromArgs(args, out var rest);
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
