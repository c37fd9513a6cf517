using Timely.Communication.Fabrics;
using Timely.Communication.Startup;

namespace Timely.Communication;

/// <summary>
/// Starts workers: timely's <c>initialize</c>. The one place a <see cref="Config"/> becomes
/// allocators, as timely's <c>initialize.rs</c> is.
/// </summary>
public static class Workers
{
    /// <summary>
    /// Starts one thread per local worker, each running <paramref name="logic"/> with its own
    /// <see cref="Allocator"/>, and returns the guards that join them. A worker that throws
    /// ends with that exception in <see cref="WorkerGuards{T}.Join"/>; the others stop with a
    /// <see cref="PeerFailedException"/> the next time they receive or wait, instead of
    /// waiting forever for data the failed worker will not send.
    /// </summary>
    /// <exception cref="ConfigException">The config cannot be run here.</exception>
    public static WorkerGuards<T> Initialize<T>(Config config, Func<Allocator, T> logic)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(logic);
        var (builders, others) = Build(config);
        return InitializeFrom(builders, others, logic);
    }

    /// <summary>
    /// Runs the local workers of <paramref name="config"/> to completion and returns each one's
    /// result in worker order (<see cref="Initialize{T}"/> then <see cref="WorkerGuards{T}.Join"/>,
    /// as timely's <c>execute</c> does), with the first local worker on the calling thread and
    /// the others on threads of their own. The caller waits for them anyway, so a thread of its
    /// own for that worker only cost its start: in a native <c>timely wordcount</c> the start of
    /// the one worker thread (the runtime yields until the new thread runs) was 5.7% of the
    /// process's samples. With <see cref="Config.Pin"/> every worker runs on a thread of its own,
    /// so the caller's thread is never pinned.
    /// </summary>
    /// <exception cref="ConfigException">The config cannot be run here.</exception>
    public static IReadOnlyList<WorkerResult<T>> Run<T>(Config config, Func<Allocator, T> logic)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(logic);
        var (builders, others) = Build(config);
        if (config.Pin || builders.Length == 0)
        {
            using var guards = InitializeFrom(builders, others, logic);
            return guards.Join();
        }

        // The others start first, so none waits for the caller's worker to end; disposing the
        // guards joins them, then releases what the workers share.
        using (var rest = InitializeFrom(builders[1..], others, logic))
        {
            var results = new WorkerResult<T>[builders.Length];
            results[0] = RunWorker(builders[0], logic);
            var joined = rest.Join();
            for (int i = 0; i < joined.Count; i++)
            {
                results[i + 1] = joined[i];
            }

            return results;
        }
    }

    /// <summary>
    /// Turns <paramref name="config"/> into one builder per local worker and what they share
    /// (timely's <c>Config::try_build</c>): the set-up of <see cref="Initialize{T}"/> without
    /// the threads, for an embedding that runs workers on threads of its own (call each
    /// builder's members in the order <see cref="AllocatorBuilder"/> gives, then dispose
    /// <c>Others</c>) or wraps the builders before <see cref="InitializeFrom{T}"/>. A cluster
    /// config rendezvouses and connects here, so this returns once every peer is reached.
    /// </summary>
    /// <returns>The builders in local worker order (global indices consecutive), and what to dispose after every worker ended (null when nothing is shared).</returns>
    /// <exception cref="ConfigException">The config cannot be run here.</exception>
    public static (AllocatorBuilder[] Builders, IDisposable? Others) Build(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        config = config.WithSecretLoaded();
        if (config.Pin && !Affinity.IsSupported)
        {
            throw new ConfigException($"--pin: pinning is supported on Linux only; this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}.");
        }

        var (allocators, firstIndex, shared, group) = BuildAllocators(config);
        var builders = new AllocatorBuilder[allocators.Length];
        bool ownsCore = Affinity.EachWorkerOwnsCore(config);
        for (int local = 0; local < allocators.Length; local++)
        {
            allocators[local].OwnsCore = ownsCore;
            allocators[local].OverflowBudgetBytes = config.OverflowBudgetBytes ?? long.MaxValue;
            allocators[local].OverflowLimitBytes = config.OverflowLimitBytes ?? long.MaxValue;
            int worker = firstIndex + local;
            builders[local] = new FabricAllocatorBuilder(allocators[local], group, config.Pin ? Affinity.CoreFor(config, worker) : null);
        }

        return (builders, shared);
    }

    /// <summary>
    /// Starts one thread per builder (timely's <c>initialize_from</c>): each thread builds its
    /// allocator and runs <paramref name="logic"/> with it, then disposes it. The guards join
    /// the threads, then dispose <paramref name="others"/> (what the allocators share: a fabric,
    /// sockets, mappings). A worker whose <see cref="AllocatorBuilder.Build"/> or logic throws
    /// ends with that exception in <see cref="WorkerGuards{T}.Join"/> and its builder is told
    /// (<see cref="AllocatorBuilder.OnFailed"/>); a built allocator whose
    /// <see cref="Allocator.Index"/> is not its builder's ends that worker with an
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <param name="builders">One per local worker, in worker order; their <see cref="AllocatorBuilder.Index"/> values must be consecutive.</param>
    /// <param name="others">Disposed after every worker has been joined; may be null.</param>
    /// <param name="logic">Each worker's body; its result is the worker's <see cref="WorkerResult{T}.Value"/>.</param>
    /// <exception cref="ArgumentException">A builder is null, or the indices are not consecutive.</exception>
    public static WorkerGuards<T> InitializeFrom<T>(IReadOnlyList<AllocatorBuilder> builders, IDisposable? others, Func<Allocator, T> logic)
    {
        ArgumentNullException.ThrowIfNull(builders);
        ArgumentNullException.ThrowIfNull(logic);
        for (int local = 0; local < builders.Count; local++)
        {
            if (builders[local] is null)
            {
                throw new ArgumentException($"builder {local} is null.", nameof(builders));
            }

            if (builders[local].Index != builders[0].Index + local)
            {
                throw new ArgumentException($"builder {local} is for worker {builders[local].Index}, expected {builders[0].Index + local}: the builders of one process are for consecutive workers, in order.", nameof(builders));
            }
        }

        int firstIndex = builders.Count == 0 ? 0 : builders[0].Index;
        var results = new WorkerResult<T>[builders.Count];
        var threads = new System.Threading.Thread[builders.Count];
        var guards = new WorkerGuards<T>(threads, results, firstIndex, others);
        for (int local = 0; local < builders.Count; local++)
        {
            var builder = builders[local];
            int slot = local;
            threads[local] = new System.Threading.Thread(() =>
            {
                try
                {
                    results[slot] = RunWorker(builder, logic);
                }
                finally
                {
                    guards.WorkerEnded();
                }
            })
            {
                Name = $"timely:worker-{builder.Index}",
                IsBackground = true,
            };
        }

        foreach (var thread in threads)
        {
            thread.Start();
        }

        return guards;
    }

    /// <summary>One worker's life on its own thread, in the order <see cref="AllocatorBuilder"/> states.</summary>
    private static WorkerResult<T> RunWorker<T>(AllocatorBuilder builder, Func<Allocator, T> logic)
    {
        int worker = builder.Index;
        WorkerResult<T> result;
        Allocator? allocator = null;
        try
        {
            allocator = builder.Build();
            if (allocator.Index != worker)
            {
                throw new InvalidOperationException($"the builder for worker {worker} built an allocator for worker {allocator.Index}.");
            }

            result = WorkerResult<T>.Ok(worker, logic(allocator));
        }
#pragma warning disable CA1031 // A worker's exception of any type is its result; Join() reports it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            result = WorkerResult<T>.Err(worker, e);
            Tell(builder, b => b.OnFailed(e), ref result);
        }

        // Dispose first: a binary allocator delivers what is still in its overflow queues
        // before it lets go; then tell the others we are gone.
        try
        {
            allocator?.Dispose();
        }
#pragma warning disable CA1031 // a failure to deliver on exit becomes the worker's result
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (result.IsOk)
            {
                result = WorkerResult<T>.Err(worker, e);
            }

            Tell(builder, b => b.OnFailed(e), ref result);
        }

        Tell(builder, b => b.OnFinished(), ref result);
        return result;
    }

    /// <summary>Calls a builder's notification; one that throws ends a worker that was still Ok with that exception, instead of ending the process on an unhandled exception.</summary>
    private static void Tell<T>(AllocatorBuilder builder, Action<AllocatorBuilder> notify, ref WorkerResult<T> result)
    {
        try
        {
            notify(builder);
        }
#pragma warning disable CA1031 // any exception from caller code becomes the worker's result
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (result.IsOk)
            {
                result = WorkerResult<T>.Err(builder.Index, e);
            }
        }
    }

    /// <summary>The local workers' allocators and what goes with them: the one place a config picks its implementation.</summary>
    private static FabricSetup BuildAllocators(Config config)
    {
        switch (config.Kind)
        {
            case CommunicationKind.Thread:
                return new FabricSetup([new ThreadAllocator()], 0, null, null);

            case CommunicationKind.Process:
            {
                var group = new WorkerGroup(config.Threads);
                var fabric = new ProcessFabric(group);
                var allocators = new Allocator[config.Threads];
                for (int i = 0; i < allocators.Length; i++)
                {
                    allocators[i] = new ProcessAllocator(fabric, i, config.SpinIterations);
                }

                return new FabricSetup(allocators, 0, group, group);
            }

            case CommunicationKind.ProcessBinary:
                return BuildProcessBinary(config);

            case CommunicationKind.Cluster when config.Transport == TransportKind.Shm:
                return ShmFabric.Build(config);

            case CommunicationKind.Cluster when config.Transport == TransportKind.Tcp:
                return BuildTcp(config);

            case CommunicationKind.Cluster when config.Transport == TransportKind.Auto:
                return BuildAuto(config);

            case CommunicationKind.Cluster:
                throw new ConfigException($"cluster of {config.Processes} processes over {config.Transport}: this transport is not built in this version; use --transport shm or tcp.");

            default:
                throw new ConfigException($"unknown communication kind {config.Kind}.");
        }
    }

    /// <summary>
    /// Auto: the processes meet over TCP first, which tells each the host identity of every
    /// other (handshake); the processes with this one's identity are its host group. All on
    /// this host: the connections close and the job runs over shared memory. Alone on its
    /// host: every peer over TCP. Otherwise shared memory within the host group and TCP with
    /// the rest, in one job (<see cref="AutoFabric"/>). Every process decides from the same
    /// identities, so the two ends of a pair always pick the same transport.
    /// </summary>
    private static FabricSetup BuildAuto(Config config)
    {
        var options = TcpFabric.OptionsOf(config);
        Timely.Transport.Tcp.PeerConnection?[] mesh;
        try
        {
            mesh = Timely.Transport.Tcp.TcpMesh.Establish(config.Addresses, config.ProcessIndex, config.Threads, options, TcpFabric.RefusedSink(config));
        }
        catch (Timely.Transport.Tcp.TcpTransportException e)
        {
            throw new ConfigException($"process {config.ProcessIndex}: cluster set-up failed: {e.Message}", e);
        }

        int[] members = [.. Enumerable.Range(0, config.Processes).Where(p => p == config.ProcessIndex || mesh[p]?.Remote.Host == options.HostId)];
        if (members.Length == config.Processes)
        {
            foreach (var c in mesh)
            {
                c?.Dispose();
            }

            return ShmFabric.Build(config with { Transport = TransportKind.Shm });
        }

        if (members.Length > 1)
        {
            return AutoFabric.Build(config, mesh, members, options.HostId);
        }

        var fabric = new TcpFabric(config, mesh);
        return new FabricSetup(fabric.CreateAllocators(config.SpinIterations), config.ProcessIndex * config.Threads, fabric, fabric.Group);
    }

    private static FabricSetup BuildTcp(Config config)
    {
        try
        {
            var fabric = new TcpFabric(config);
            return new FabricSetup(fabric.CreateAllocators(config.SpinIterations), config.ProcessIndex * config.Threads, fabric, fabric.Group);
        }
        catch (Timely.Transport.Tcp.TcpTransportException e)
        {
            throw new ConfigException($"process {config.ProcessIndex}: cluster set-up failed: {e.Message}", e);
        }
    }

    private static FabricSetup BuildProcessBinary(Config config)
    {
        var fabric = new ProcessBinaryFabric(config.Threads, config.RingBytes);
        return new FabricSetup(fabric.CreateAllocators(config.SpinIterations), 0, fabric, fabric.Group);
    }
}
