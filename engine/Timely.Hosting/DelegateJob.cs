using Timely.Dataflow;

namespace Timely.Hosting;

/// <summary>A job given as a delegate to <see cref="TimelyServiceCollectionExtensions.AddTimely(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{Worker, IServiceProvider}, Action{TimelyOptions}?)"/>.</summary>
internal sealed class DelegateJob(Action<Worker, IServiceProvider> run, IServiceProvider services) : ITimelyJob
{
    public void Run(Worker worker) => run(worker, services);
}
