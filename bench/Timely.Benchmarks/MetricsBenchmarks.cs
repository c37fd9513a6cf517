using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Timely.Communication;
using Timely.Dataflow;
using Timely.Dataflow.Diagnostics;

namespace Timely.Benchmarks;

/// <summary>
/// What the <c>Timely.Dataflow</c> meter costs. Both benchmarks step the same pingpong dataflow
/// as <see cref="LoggingBenchmarks"/> on one worker; <c>PingPongStep_MetricsOn</c> runs with a
/// <see cref="MeterListener"/> on every instrument of the meter (as OpenTelemetry or
/// dotnet-counters would be), which makes each operator run take two timestamps and record one
/// histogram measurement, and each received batch add to two counters. The instruments are
/// process-wide, so the listener lives from the set-up to the clean-up of the measured benchmark
/// only (which also holds with <c>--inProcess</c>). Both must show 0 B allocated.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks : IDisposable
{
    private const int Steps = 1000;

    private ThreadAllocator? _allocator;
    private Worker? _worker;
    private MeterListener? _listener;
    private long _measurements;

    [GlobalSetup(Target = nameof(PingPongStep_MetricsOff))]
    public void SetupOff() => Build();

    [GlobalSetup(Target = nameof(PingPongStep_MetricsOn))]
    public void SetupOn()
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == DataflowMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, _, _, _) => _measurements++);
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => _measurements++);
        _listener.Start();
        Build();
        PingPongStep_MetricsOn();
        long before = _measurements;
        PingPongStep_MetricsOn();
        Console.WriteLine($"// MetricsBenchmarks: {(double)(_measurements - before) / Steps:0.##} measurements per pingpong step with the meter on");
    }

    private void Build()
    {
        _allocator = new ThreadAllocator();
        _worker = new Worker(_allocator);
        LoggingBenchmarks.Build(_worker);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        _listener = null;
        _allocator?.Dispose();
        _allocator = null;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public bool PingPongStep_MetricsOff() => Run();

    [Benchmark(OperationsPerInvoke = Steps)]
    public bool PingPongStep_MetricsOn() => Run();

    private bool Run()
    {
        bool any = false;
        for (int i = 0; i < Steps; i++)
        {
            any |= _worker!.Step();
        }

        return any;
    }

    public void Dispose()
    {
        Cleanup();
        GC.SuppressFinalize(this);
    }
}
