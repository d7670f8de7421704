export {
  inspectReplyTemplate,
  renderReplyTemplate,
  ReplyTemplateError,
  TEMPLATE_VARIABLES,
  validateReplyTemplate,
  type ReplyTemplateProblem,
  type ReplyTemplateProblemCode,
  type ReplyTemplateValues,
  type TemplateVariable,
} from './replyTemplate';
