using BenchmarkDotNet.Attributes;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Logging;
using Timely.Dataflow.Operators;
using Timely.Logging;

namespace Timely.Benchmarks;

/// <summary>
/// What dataflow logging costs. <c>PingPongStep_LoggingOff</c> is
/// <see cref="DataflowStepBenchmarks.PingPongStep"/> on a worker without a logger (its hooks are a
/// null check per event site and no channel wrappers): compared with the step before logging
/// existed it says the off cost. <c>PingPongStep_LoggingOn</c> is the same loop on a worker whose
/// <c>"timely"</c> logger counts events; the difference divided by <see cref="EventsPerStep"/>
/// (printed at set-up) is the on cost per event. <c>LogOneEvent</c> is the logger alone. All must
/// show 0 B allocated: logging a struct event copies it into a reused buffer.
/// </summary>
[MemoryDiagnoser]
public class LoggingBenchmarks : IDisposable
{
    private const int Steps = 1000;
    private const int Events = 1024;

    private ThreadAllocator? _offAllocator;
    private ThreadAllocator? _onAllocator;
    private Worker? _off;
    private Worker? _on;
    private Logger<TimelyEvent>? _logger;
    private long _logged;

    /// <summary>Events the logged worker logs per pingpong step (measured at set-up).</summary>
    public double EventsPerStep { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _offAllocator = new ThreadAllocator();
        _off = new Worker(_offAllocator);
        Build(_off);

        _onAllocator = new ThreadAllocator();
        _on = new Worker(_onAllocator);
        _on.Log.Register<TimelyEvent>(BatchLogger.TimelyLogName, (_, batch) => _logged += batch.Length);
        Build(_on);

        _logger = new Logger<TimelyEvent>((_, batch) => _logged += batch.Length);

        // Warm the pools, then count the events of a known number of steps.
        PingPongStep_LoggingOff();
        PingPongStep_LoggingOn();
        _on.Log.Flush();
        long before = _logged;
        PingPongStep_LoggingOn();
        _on.Log.Flush();
        EventsPerStep = (double)(_logged - before) / Steps;
        Console.WriteLine($"// LoggingBenchmarks: {EventsPerStep:0.##} events per pingpong step with logging on");
    }

    /// <summary>The pingpong dataflow the step benchmarks run: one record around a feedback loop, exchanged each lap.</summary>
    internal static void Build(Worker worker) =>
        worker.Dataflow<ulong>(scope =>
        {
            var (handle, cycle) = scope.Feedback<ulong, ulong>(1);
            var (_, again) = new ulong[] { 0 }.ToStream(scope)
                .Concat(cycle)
                .Exchange(x => x)
                .Map(x => x + 1)
                .BranchWhen(_ => true);
            again.ConnectLoop(handle);
        });

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public bool PingPongStep_LoggingOff()
    {
        bool any = false;
        for (int i = 0; i < Steps; i++)
        {
            any |= _off!.Step();
        }

        return any;
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public bool PingPongStep_LoggingOn()
    {
        bool any = false;
        for (int i = 0; i < Steps; i++)
        {
            any |= _on!.Step();
        }

        return any;
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public long LogOneEvent()
    {
        var logger = _logger!;
        for (int i = 0; i < Events; i++)
        {
            logger.Log(TimelyEvent.Schedule(i, start: (i & 1) == 0));
        }

        return _logged;
    }

    public void Dispose()
    {
        _offAllocator?.Dispose();
        _onAllocator?.Dispose();
        GC.SuppressFinalize(this);
    }
}
