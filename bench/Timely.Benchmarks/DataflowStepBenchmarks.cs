using BenchmarkDotNet.Attributes;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Benchmarks;

/// <summary>
/// One worker stepping endless dataflows, per step or per record (OperationsPerInvoke):
/// <c>PingPongStep</c> is one pass of one record around timely's pingpong loop (five
/// operators and a full progress round), <c>BarrierStep</c> one notification of the barrier
/// loop, <c>InputToProbe</c> one record sent through input, exchange and probe in rounds of
/// 1024. All three must show 0 B allocated: that is the per-message steady state.
/// </summary>
[MemoryDiagnoser]
public class DataflowStepBenchmarks : IDisposable
{
    private const int Steps = 1000;
    private const int Round = 1024;

    private ThreadAllocator? _pingAllocator;
    private ThreadAllocator? _barrierAllocator;
    private ThreadAllocator? _inputAllocator;
    private Worker? _ping;
    private Worker? _barrier;
    private Worker? _inputWorker;
    private InputHandle<ulong, ulong>? _input;
    private ProbeHandle<ulong>? _probe;

    [GlobalSetup]
    public void Setup()
    {
        _pingAllocator = new ThreadAllocator();
        _ping = new Worker(_pingAllocator);
        _ping.Dataflow<ulong>(scope =>
        {
            var (handle, cycle) = scope.Feedback<ulong, ulong>(1);
            var (_, again) = new ulong[] { 0 }.ToStream(scope)
                .Concat(cycle)
                .Exchange(x => x)
                .Map(x => x + 1)
                .BranchWhen(_ => true);
            again.ConnectLoop(handle);
        });

        _barrierAllocator = new ThreadAllocator();
        _barrier = new Worker(_barrierAllocator);
        _barrier.Dataflow<ulong>(scope =>
        {
            var (handle, cycle) = scope.Feedback<ulong, ulong>(1);
            cycle.UnaryNotify<ulong, ulong, ulong>(Pact<ulong>.Pipeline, "Barrier", [0UL], (_, _, notificator) =>
            {
                while (notificator.TryNext(out var time, out _))
                {
                    notificator.NotifyAt(time + 1);
                }
            }).ConnectLoop(handle);
        });

        _inputAllocator = new ThreadAllocator();
        _inputWorker = new Worker(_inputAllocator);
        _input = new InputHandle<ulong, ulong>();
        _probe = new ProbeHandle<ulong>();
        _inputWorker.Dataflow<ulong>(scope => scope.InputFrom(_input).Exchange(x => x).ProbeWith(_probe));

        // Warm the pools: the first rounds allocate the buffers every later round reuses.
        PingPongStep();
        BarrierStep();
        InputToProbe();
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public bool PingPongStep()
    {
        bool any = false;
        for (int i = 0; i < Steps; i++)
        {
            any |= _ping!.Step();
        }

        return any;
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public bool BarrierStep()
    {
        bool any = false;
        for (int i = 0; i < Steps; i++)
        {
            any |= _barrier!.Step();
        }

        return any;
    }

    [Benchmark(OperationsPerInvoke = Round)]
    public ulong InputToProbe()
    {
        var input = _input!;
        for (ulong x = 0; x < Round; x++)
        {
            input.Send(x);
        }

        input.AdvanceTo(input.Time + 1);
        while (_probe!.LessThan(input.Time))
        {
            _inputWorker!.Step();
        }

        return input.Time;
    }

    public void Dispose()
    {
        _pingAllocator?.Dispose();
        _barrierAllocator?.Dispose();
        _inputAllocator?.Dispose();
        GC.SuppressFinalize(this);
    }
}
