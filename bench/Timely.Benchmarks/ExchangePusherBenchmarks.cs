using BenchmarkDotNet.Attributes;
using Timely.Communication;
using Timely.Dataflow.Channels;

namespace Timely.Benchmarks;

/// <summary>
/// The exchange's routing alone, per record (OperationsPerInvoke): a round of 64 messages of 1024 records at
/// one time pushed through an exchange pusher to two targets that count and hand each message back
/// cleared, as a channel does. <c>DelegateHash</c> routes by <c>Pact.Exchange(x =&gt; x)</c>,
/// <c>StructHash</c> by an <see cref="IExchangeHash{TData}"/> struct. Both must show 0 B.
/// </summary>
[MemoryDiagnoser]
public class ExchangePusherBenchmarks
{
    private const int Records = Message<ulong, ulong>.BatchSize;
    private const int Messages = 64;

    private readonly Sink[] _delegateTargets = [new(), new()];
    private readonly Sink[] _structTargets = [new(), new()];
    private IPush<Message<ulong, ulong>>? _delegatePusher;
    private IPush<Message<ulong, ulong>>? _structPusher;
    private Message<ulong, ulong>? _message;
    private ulong _round;

    [GlobalSetup]
    public void Setup()
    {
        _delegatePusher = Pact<ulong>.Exchange(x => x).Route!.CreatePusher<ulong>(_delegateTargets);
        _structPusher = Pact<ulong>.Exchange(default(Identity)).Route!.CreatePusher<ulong>(_structTargets);
        _message = new Message<ulong, ulong>();
        DelegateHash();
        StructHash();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Records * Messages)]
    public long DelegateHash() => Run(_delegatePusher!, _delegateTargets);

    [Benchmark(OperationsPerInvoke = Records * Messages)]
    public long StructHash() => Run(_structPusher!, _structTargets);

    private long Run(IPush<Message<ulong, ulong>> pusher, Sink[] targets)
    {
        var message = _message!;
        ulong round = _round++;
        for (int m = 0; m < Messages; m++)
        {
            message.Time = round;
            for (ulong x = 0; x < Records; x++)
            {
                message.Data.Add(x * 0x9E3779B97F4A7C15UL >> 7);
            }

            pusher.Push(ref message!);
        }

        pusher.Done();
        return targets[0].Records + targets[1].Records;
    }

    private readonly struct Identity : IExchangeHash<ulong>
    {
        public ulong Hash(ulong item) => item;
    }

    /// <summary>A target that counts records and hands the message back cleared.</summary>
    private sealed class Sink : IPush<Message<ulong, ulong>>
    {
        public long Records;

        public void Push(ref Message<ulong, ulong>? item)
        {
            if (item is not null)
            {
                Records += item.Data.Count;
                item.Data.Clear();
            }
        }

        public void Done()
        {
        }
    }
}
