/**
 * A widget manager for the page: @jupyter-widgets/html-manager's HTMLManager
 * (ipywidgets 8 controls and output) wired to the kernel connection's comms,
 * as JupyterLab's widget manager is: kernel-opened `jupyter.widget` comms
 * become models, models talk back on their comms, and Output widgets capture
 * the iopub messages parented to their `msg_id` through kernel message hooks.
 */
import { shims, type IClassicComm, type WidgetModel, type WidgetView } from "@jupyter-widgets/base";
import { HTMLManager } from "@jupyter-widgets/html-manager/lib/htmlmanager";
import { OutputModel as HtmlOutputModel, OutputView } from "@jupyter-widgets/html-manager/lib/output";
import { WIDGET_MIMETYPE, WidgetRenderer } from "@jupyter-widgets/html-manager/lib/output_renderers";
import type { Kernel, KernelMessage } from "@jupyterlab/services";
import type { RenderMimeRegistry } from "@jupyterlab/rendermime";
import type * as nbformat from "@jupyterlab/nbformat";

/** An Output model that captures iopub messages whose parent is its msg_id (JupyterLab's behaviour). */
class KernelOutputModel extends HtmlOutputModel {
  private hooked = "";

  override initialize(attributes: never, options: never): void {
    super.initialize(attributes, options);
    this.listenTo(this, "change:msg_id", () => this.rehook());
    this.rehook();
  }

  private readonly hook = (msg: KernelMessage.IIOPubMessage): boolean => {
    const type = msg.header.msg_type;
    if (type === "clear_output") {
      this.clear_output((msg.content as { wait?: boolean }).wait ?? false);
    } else if (type === "stream" || type === "display_data" || type === "execute_result" || type === "error") {
      this.outputs.add({ ...(msg.content as object), output_type: type } as nbformat.IOutput);
    } else {
      return true;
    }
    this.set("outputs", this.outputs.toJSON(), { newMessage: true });
    this.save_changes();
    return false;
  };

  private rehook(): void {
    const kernel = (this.widget_manager as unknown as KernelWidgetManager).kernel;
    if (this.hooked) kernel.removeMessageHook(this.hooked, this.hook);
    this.hooked = String(this.get("msg_id") ?? "");
    if (this.hooked) kernel.registerMessageHook(this.hooked, this.hook);
  }
}

/** HTMLManager over a live kernel connection. */
export class KernelWidgetManager extends HTMLManager {
  constructor(readonly kernel: Kernel.IKernelConnection, rendermime: RenderMimeRegistry) {
    super();
    this.renderMime = rendermime;
    rendermime.addFactory({ safe: false, mimeTypes: [WIDGET_MIMETYPE], createRenderer: (options) => new WidgetRenderer(options, this) }, 0);
    kernel.registerCommTarget(this.comm_target_name, (comm, msg) => this.handle_comm_open(new shims.services.Comm(comm), msg).then(() => undefined));
  }

  override async _create_comm(target: string, modelId: string, data?: object, metadata?: object, buffers?: ArrayBuffer[] | ArrayBufferView[]): Promise<IClassicComm> {
    const comm = this.kernel.createComm(target, modelId);
    if (data || metadata) comm.open(data as never, metadata as never, buffers);
    return new shims.services.Comm(comm);
  }

  override async _get_comm_info(): Promise<Record<string, unknown>> {
    const reply = await this.kernel.requestCommInfo({ target_name: this.comm_target_name });
    return reply.content.status === "ok" ? reply.content.comms : {};
  }

  /** Whether restoring fell back to one request_state per comm (the control comm did not answer). */
  usedFallback = false;

  /** Creates models for every widget the kernel holds (the control comm's request_states), as a page opened later does. */
  restoreFromKernel(): Promise<void> {
    return this._loadFromKernel();
  }

  protected override _loadFromKernelModels(): Promise<void> {
    this.usedFallback = true;
    return super._loadFromKernelModels();
  }

  protected override loadClass(className: string, moduleName: string, moduleVersion: string): Promise<typeof WidgetModel | typeof WidgetView> {
    if (moduleName === "@jupyter-widgets/output") {
      return Promise.resolve((className === "OutputModel" ? KernelOutputModel : OutputView) as unknown as typeof WidgetModel);
    }
    return super.loadClass(className, moduleName, moduleVersion);
  }
}
