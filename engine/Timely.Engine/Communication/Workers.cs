namespace Timely.Communication;

/// <summary>
/// Starts workers: timely's <c>initialize</c>. The one place a <see cref="Config"/> becomes
/// allocators (STYLE 8).
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
        if (config.Pin && !Affinity.IsSupported)
        {
            throw new ConfigException($"--pin: pinning is supported on Linux only; this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}.");
        }

        var (allocators, firstIndex, shared, group) = Build(config);
        var results = new WorkerResult<T>[allocators.Length];
        var threads = new System.Threading.Thread[allocators.Length];
        for (int local = 0; local < allocators.Length; local++)
        {
            var allocator = allocators[local];
            int slot = local;
            int worker = firstIndex + local;
            threads[local] = new System.Threading.Thread(() =>
            {
                try
                {
                    if (config.Pin)
                    {
                        Affinity.PinCurrentThread(Affinity.CoreFor(config, worker));
                    }

                    results[slot] = WorkerResult<T>.Ok(worker, logic(allocator));
                }
#pragma warning disable CA1031 // A worker's exception of any type is its result; Join() reports it.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    results[slot] = WorkerResult<T>.Err(worker, e);
                    group?.Fail(worker, e);
                }
                finally
                {
                    // Dispose first: a binary allocator delivers what is still in its
                    // overflow queues before it lets go; then tell the others we are gone.
                    try
                    {
                        allocator.Dispose();
                    }
#pragma warning disable CA1031 // a failure to deliver on exit becomes the worker's result
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        if (results[slot].IsOk)
                        {
                            results[slot] = WorkerResult<T>.Err(worker, e);
                        }

                        group?.Fail(worker, e);
                    }

                    group?.MarkFinished(worker);
                }
            })
            {
                Name = $"timely:worker-{worker}",
                IsBackground = true,
            };
        }

        foreach (var thread in threads)
        {
            thread.Start();
        }

        return new WorkerGuards<T>(threads, results, firstIndex, shared);
    }

    /// <summary>Allocators for the local workers, the global index of the first, what they share (disposed last) and the group that hears of failures.</summary>
    private static (Allocator[] Allocators, int FirstIndex, IDisposable? Shared, WorkerGroup? Group) Build(Config config)
    {
        switch (config.Kind)
        {
            case CommunicationKind.Thread:
                return ([new ThreadAllocator()], 0, null, null);

            case CommunicationKind.Process:
            {
                var group = new WorkerGroup(config.Threads);
                var fabric = new ProcessFabric(group);
                var allocators = new Allocator[config.Threads];
                for (int i = 0; i < allocators.Length; i++)
                {
                    allocators[i] = new ProcessAllocator(fabric, i, config.SpinIterations);
                }

                return (allocators, 0, group, group);
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
    private static (Allocator[] Allocators, int FirstIndex, IDisposable? Shared, WorkerGroup? Group) BuildAuto(Config config)
    {
        var options = TcpFabric.OptionsOf(config);
        Timely.Transport.Tcp.PeerConnection?[] mesh;
        try
        {
            mesh = Timely.Transport.Tcp.TcpMesh.Establish(config.Addresses, config.ProcessIndex, config.Threads, options);
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
        return (fabric.CreateAllocators(config.SpinIterations), config.ProcessIndex * config.Threads, fabric, fabric.Group);
    }

    private static (Allocator[] Allocators, int FirstIndex, IDisposable? Shared, WorkerGroup? Group) BuildTcp(Config config)
    {
        try
        {
            var fabric = new TcpFabric(config);
            return (fabric.CreateAllocators(config.SpinIterations), config.ProcessIndex * config.Threads, fabric, fabric.Group);
        }
        catch (Timely.Transport.Tcp.TcpTransportException e)
        {
            throw new ConfigException($"process {config.ProcessIndex}: cluster set-up failed: {e.Message}", e);
        }
    }

    private static (Allocator[] Allocators, int FirstIndex, IDisposable? Shared, WorkerGroup? Group) BuildProcessBinary(Config config)
    {
        var fabric = new ProcessBinaryFabric(config.Threads, config.RingBytes);
        return (fabric.CreateAllocators(config.SpinIterations), 0, fabric, fabric.Group);
    }
}
